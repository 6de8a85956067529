/**
 * Issue 17 item 2: the typed TypeScript client (clients/typescript) against a real `portcullis serve`
 * on loopback: signed runs, Prefer: wait and Location, retries that reuse the webhook-id and
 * Idempotency-Key after a lost answer (one run, not two), problem+json errors, reads; and its types
 * are what openapi-typescript generates from the live /openapi.json today.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PortcullisClient, PortcullisError } from '../../clients/typescript/src/index.ts';
import { REPO_ROOT, type ServerProcess, cleanUp, startServer, tempDir } from '../support/process.ts';
import { BLOCK_IP_CONNECTORS, DEMO_SECRET, DEMO_TOKEN, sandboxConfig } from '../process/sandbox-config.ts';
import { type LossyProxy, lossyProxy } from './lossy-proxy.ts';

let server: ServerProcess;
let proxy: LossyProxy;
beforeAll(async () => {
  const dir = tempDir();
  server = await startServer({ dir, config: (port) => sandboxConfig(join(dir, 'data'), port) });
  proxy = await lossyProxy(server.url);
});
afterEach(() => {
  proxy.seen.length = 0;
});
afterAll(async () => {
  await proxy.close();
  await cleanUp();
});

const client = (extra: Partial<ConstructorParameters<typeof PortcullisClient>[0]> = {}) =>
  new PortcullisClient({ baseUrl: proxy.url, clientId: 'demo', secret: DEMO_SECRET, backoffMs: 10, ...extra });

describe('TypeScript client', () => {
  it('blocks with Prefer: wait and gets the applied run; the block is listed', async () => {
    const run = await client().block('203.0.113.10', { ttl: '1h', reason: 'ts client test' }, { wait: 20 });
    expect(run).toMatchObject({ playbook: 'block-ip', status: 'applied' });
    expect(run.targets.map((t) => [t.connector, t.state]).sort()).toEqual([...BLOCK_IP_CONNECTORS].sort().map((c) => [c, 'applied']));
    expect(proxy.seen[0]?.headers.prefer).toBe('wait=20');
    const blocks = await client({ token: DEMO_TOKEN }).listBlocks();
    expect(blocks.map((b) => b.cidr)).toContain('203.0.113.10/32');
  });

  it('follows Location when the answer is 202 and polls until the run settles', async () => {
    const api = client();
    const accepted = await api.runPlaybook('block-ip', { indicators: '203.0.113.11' });
    expect(accepted.status).toBe('pending');
    const settled = await api.waitForRun(accepted.links.self, 20_000);
    expect(settled).toMatchObject({ id: accepted.id, status: 'applied' });
  });

  it('retries a lost answer with the same webhook-id and Idempotency-Key: one run, not two', async () => {
    const api = client({ token: DEMO_TOKEN });
    const before = (await api.listRuns({ playbook: 'block-ip', limit: 200 })).runs.length;
    proxy.seen.length = 0;
    proxy.loseAnswers(2, '/v1/playbooks/');
    const run = await api.block('203.0.113.12', {}, { wait: 20 });
    const posts = proxy.seen.filter((r) => r.method === 'POST');
    expect(posts.map((p) => p.dropped)).toEqual([true, true, false]);
    expect(new Set(posts.map((p) => p.headers['webhook-id'])).size).toBe(1);
    expect(new Set(posts.map((p) => p.headers['idempotency-key'])).size).toBe(1);
    // Re-signed per attempt (fresh timestamps are allowed to differ), same message id.
    expect(posts.every((p) => String(p.headers['webhook-signature']).startsWith('v1,'))).toBe(true);
    const after = (await api.listRuns({ playbook: 'block-ip', limit: 200 })).runs;
    expect(after.length).toBe(before + 1);
    expect(after.filter((r) => JSON.stringify(r.inputs).includes('203.0.113.12')).map((r) => r.id)).toEqual([run.id]);
  });

  it('uses the caller Idempotency-Key when given: a second call with it answers the first run', async () => {
    const api = client();
    const key = `case-4711-${Date.now()}`;
    const first = await api.block('203.0.113.13', {}, { idempotencyKey: key });
    const second = await api.block('203.0.113.13', {}, { idempotencyKey: key });
    expect(second.id).toBe(first.id);
  });

  it('throws a PortcullisError with the problem code, and does not retry a 4xx', async () => {
    const error = await client()
      .block('10.0.0.1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortcullisError);
    expect(error).toMatchObject({ status: 422, code: 'guardrail_refused' });
    expect(proxy.seen.filter((r) => r.method === 'POST')).toHaveLength(1);
    const denied = await new PortcullisClient({ baseUrl: server.url, clientId: 'demo', secret: 'whsec_d3JvbmctJHNlY3JldC13cm9uZy1zZWNyZXQtd3Jvbmc=' })
      .block('203.0.113.14')
      .catch((e: unknown) => e);
    expect(denied).toMatchObject({ status: 401, code: 'signature_invalid' });
  });

  it('reads signed when no token is given, and pages the audit log with the cursor', async () => {
    const api = client();
    const run = await api.block('203.0.113.15', {}, { wait: 20 });
    expect((await api.getRun(run.id)).status).toBe('applied');
    const page = await api.auditEvents({ run: run.id, limit: 50 });
    expect(page.events.map((e) => e.action)).toContain('run.accepted');
    const next = await api.auditEvents({ after: page.next_cursor, run: run.id });
    expect(next.events.every((e) => e.seq > (page.events.at(-1)?.seq ?? 0))).toBe(true);
  });

  it('has types generated from the live /openapi.json (npm run clients:generate when this fails)', async () => {
    const doc = await (await fetch(`${server.url}/openapi.json`)).json();
    const generated = astToString(await openapiTS(doc as never, { silent: true } as never));
    const committed = readFileSync(join(REPO_ROOT, 'clients/typescript/src/openapi.ts'), 'utf8');
    expect(committed.slice(committed.indexOf('export interface paths'))).toBe(generated.slice(generated.indexOf('export interface paths')));
  });
});

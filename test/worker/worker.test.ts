import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.ts';
import { signHeaders } from '../../src/http/signature.ts';
import type { D1Like } from '../../src/store/d1/index.ts';
import { type RunningWorker, startWorker } from './harness.ts';

/**
 * The Worker as deployed: wrangler's bundle of src/worker.ts in workerd, the shipped wrangler.toml
 * config and a D1 migrated by `wrangler d1 migrations apply --local`.
 */
let worker: RunningWorker;
let demoSecret: string;
const BASE = 'http://portcullis.test';

const MISCONFIGURED = `
sandbox: true
clients:
  - id: demo
    scopes: [runs:read]
    secrets: [{ sandboxValue: whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3 }]
connectors:
  - { id: aws-prod, type: aws-ec2, simulator: true }
`;

beforeAll(async () => {
  worker = await startWorker(() => [{ name: 'misconfigured', bindings: { PORTCULLIS_CONFIG: MISCONFIGURED } }]);
  const demo = parseConfig(worker.settings.config, 'wrangler.toml').clients.find((c) => c.id === 'demo');
  const secret = demo?.secrets[0];
  if (!secret || !('sandboxValue' in secret)) throw new Error('wrangler.toml: client demo needs a sandboxValue secret');
  demoSecret = secret.sandboxValue;
  // Rows long expired, planted before the first request: the Worker prunes them beside requests.
  const db = await d1();
  await db.batch([
    db.prepare("INSERT INTO replay_guard VALUES ('msg_expired', 'demo', 'f', 0)"),
    db.prepare("INSERT INTO idempotency (client_id, key, fingerprint, state, created_at, expires_at) VALUES ('demo', 'k_expired', 'f', 'done', 0, 1)"),
  ]);
}, 240_000);

afterAll(() => worker?.dispose());

const signedGet = async (path: string, secret: string, id?: string): Promise<Response> => {
  const headers = await signHeaders(secret, '', id);
  return worker.mf.dispatchFetch(`${BASE}${path}`, { headers: { ...headers, 'portcullis-client': 'demo' } }) as unknown as Response;
};

const d1 = async (): Promise<D1Like> => (await worker.mf.getD1Database('DB', 'portcullis')) as unknown as D1Like;

async function count(sql: string): Promise<number> {
  const { results } = await (await d1()).prepare(sql).all<{ n: number }>();
  return results[0]?.n ?? -1;
}

async function auditRows(): Promise<{ action: string; outcome: string; client_id: string | null; event: string }[]> {
  const { results } = await (await d1())
    .prepare('SELECT action, outcome, client_id, event FROM audit_events ORDER BY seq')
    .all<{ action: string; outcome: string; client_id: string | null; event: string }>();
  return results;
}

describe('worker: operations (happy)', () => {
  it('answers /healthz and /readyz (D1 reachable)', async () => {
    const health = await worker.mf.dispatchFetch(`${BASE}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', version: expect.any(String) });
    const ready = await worker.mf.dispatchFetch(`${BASE}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('serves an OpenAPI 3.1 document listing /v1/whoami', async () => {
    const res = await worker.mf.dispatchFetch(`${BASE}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; info: { title: string }; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('portcullis API');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/v1/whoami']));
  });

  it('accepts a call signed with the demo secret', async () => {
    const res = await signedGet('/v1/whoami', demoSecret);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect(await res.json()).toMatchObject({ client: 'demo', auth: 'signature', scopes: expect.arrayContaining(['runs:read']) });
  });
});

describe('worker: housekeeping', () => {
  it('prunes expired replay-guard and idempotency rows beside requests', async () => {
    expect((await worker.mf.dispatchFetch(`${BASE}/healthz`)).status).toBe(200);
    await expect.poll(() => count("SELECT COUNT(*) AS n FROM replay_guard WHERE webhook_id = 'msg_expired'")).toBe(0);
    await expect.poll(() => count("SELECT COUNT(*) AS n FROM idempotency WHERE key = 'k_expired'")).toBe(0);
  });
});

describe('worker: security', () => {
  it('refuses a wrong signature with 401 problem+json, and audits the refusal in D1', async () => {
    const wrongSecret = `whsec_${btoa('not-the-demo-secret-at-all-32b!!')}`;
    const res = await signedGet('/v1/whoami', wrongSecret);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = (await res.json()) as { code: string; request_id: string };
    expect(body.code).toBe('signature_invalid');

    const refusal = (await auditRows()).find((row) => JSON.parse(row.event).request_id === body.request_id);
    expect(refusal).toMatchObject({ action: 'request.refused', outcome: 'refused' });
    expect(JSON.parse(refusal?.event ?? '{}').detail).toMatchObject({ code: 'signature_invalid', status: 401, path: '/v1/whoami' });
  });

  // The signature binds id, timestamp and body, not the path: the replay guard is what stops a captured
  // signed GET from being replayed to another read route within the tolerance.
  it('refuses a webhook-id replayed on another route (a different fingerprint)', async () => {
    const id = `msg_${crypto.randomUUID()}`;
    expect((await signedGet('/v1/whoami', demoSecret, id)).status).toBe(200);
    const replay = await signedGet('/v1/whoami?again=1', demoSecret, id);
    expect(replay.status).toBe(409);
    const body = (await replay.json()) as { code: string; request_id: string };
    expect(body.code).toBe('webhook_id_reused');
    const refusal = (await auditRows()).find((row) => JSON.parse(row.event).request_id === body.request_id);
    expect(refusal).toMatchObject({ action: 'request.refused', client_id: 'demo' });
  });
});

describe('worker: configuration errors', () => {
  // Connectors run on Workers now (test/worker/reconcile.test.ts); a block the connector's own schema
  // refuses stops the Worker as it stops Node, checked by the same code (src/config/rules.ts).
  it('answers a generic 503 problem+json when a connector block is invalid, and logs the problem', async () => {
    const misconfigured = await worker.mf.getWorker('misconfigured');
    const res = (await misconfigured.fetch(`${BASE}/healthz`)) as unknown as Response;
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = (await res.json()) as { code: string; detail: string; problems?: unknown };
    expect(body.code).toBe('unavailable');
    expect(body.detail).toBe('the service configuration is invalid; the Worker logs name each problem');
    // Callers are not authenticated: nothing about the config (paths, client ids, bindings) leaves.
    expect(body.problems).toBeUndefined();
    expect(JSON.stringify(body)).not.toMatch(/connectors|whsec_|demo/);
    await expect.poll(() => worker.output(), { timeout: 2000 }).toMatch(/"msg":"invalid configuration; answering 503"/);
    expect(worker.output()).toMatch(/"path":"connectors\[0\]\.region"/);
  });
});

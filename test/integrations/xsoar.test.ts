/**
 * Issue 17 item 3: the Cortex XSOAR integration (integrations/xsoar/Portcullis) runs its own Python
 * with python3 against a real `portcullis serve`; only XSOAR's demistomock/CommonServerPython are
 * replaced by the smallest stand-ins (test/integrations/standins/xsoar). Every command in the YAML is
 * exercised.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type ServerProcess, cleanUp, startServer, tempDir } from '../support/process.ts';
import { DEMO_SECRET, DEMO_TOKEN, sandboxConfig } from '../process/sandbox-config.ts';

const exec = promisify(execFile);
const DIR = join(REPO_ROOT, 'integrations/xsoar/Portcullis');

let server: ServerProcess;
let lastRun: string;
beforeAll(async () => {
  const dir = tempDir();
  lastRun = join(dir, 'last-run.json');
  server = await startServer({ dir, config: (port) => sandboxConfig(join(dir, 'data'), port) });
});
afterAll(cleanUp);

interface Emitted {
  kind: 'results' | 'error' | 'events';
  value: { outputs?: Record<string, unknown> & { status?: string }; readable?: string; events?: { seq: number; action: string }[] } & Record<string, unknown>;
}

async function xsoar(command: string, args: Record<string, unknown> = {}, token = true): Promise<Emitted[]> {
  const params = { url: server.url, client_id: 'demo', secret: { password: DEMO_SECRET }, ...(token ? { token: { password: DEMO_TOKEN } } : {}), max_fetch: '5' };
  const result = await exec('python3', [join(DIR, 'Portcullis.py')], {
    env: {
      ...process.env,
      PYTHONPATH: join(REPO_ROOT, 'test/integrations/standins/xsoar'),
      XSOAR_PARAMS: JSON.stringify(params),
      XSOAR_COMMAND: command,
      XSOAR_ARGS: JSON.stringify(args),
      XSOAR_LAST_RUN: lastRun,
    },
    timeout: 60_000,
  }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
  return result.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Emitted);
}

describe('Cortex XSOAR integration', () => {
  it('declares the commands its Python implements', () => {
    const yml = parse(readFileSync(join(DIR, 'Portcullis.yml'), 'utf8')) as { script: { commands: { name: string }[]; isfetchevents: boolean } };
    const names = yml.script.commands.map((c) => c.name);
    expect(names.sort()).toEqual(
      ['portcullis-allow', 'portcullis-block', 'portcullis-block-lookup', 'portcullis-quarantine', 'portcullis-release', 'portcullis-revoke', 'portcullis-run-status', 'portcullis-unblock'].sort(),
    );
    expect(yml.script.isfetchevents).toBe(true);
    const py = readFileSync(join(DIR, 'Portcullis.py'), 'utf8');
    for (const name of names) expect(py).toContain(`"${name}"`);
  });

  it('test-module answers ok for the right credentials and an error for a wrong secret', async () => {
    expect(await xsoar('test-module')).toEqual([{ kind: 'results', value: 'ok' }]);
    const wrong = await exec('python3', [join(DIR, 'Portcullis.py')], {
      env: { ...process.env, PYTHONPATH: join(REPO_ROOT, 'test/integrations/standins/xsoar'), XSOAR_PARAMS: JSON.stringify({ url: server.url, client_id: 'demo', secret: { password: 'whsec_d3Jvbmc=' } }), XSOAR_COMMAND: 'test-module' },
    }).catch((e: { stdout: string; code: number }) => e);
    expect(String(wrong.stdout)).toContain('401 signature_invalid');
  });

  it('blocks, looks the block up, reads the run status and unblocks', async () => {
    const [blocked] = await xsoar('portcullis-block', { indicators: '203.0.113.70,203.0.113.71', ttl: '1h', reason: 'xsoar test', wait: '20' });
    expect(blocked).toMatchObject({ kind: 'results', value: { prefix: 'Portcullis.Run', outputs: { status: 'applied', playbook: 'block-ip' } } });
    expect(blocked?.value.readable).toContain('applied');
    const [lookup] = await xsoar('portcullis-block-lookup', { indicator: '203.0.113.70' });
    expect(((lookup?.value.outputs ?? []) as unknown as { cidr: string }[]).map((b) => b.cidr)).toEqual(['203.0.113.70/32']);
    const [status] = await xsoar('portcullis-run-status', { run_id: blocked?.value.outputs?.id });
    expect(status?.value.outputs).toMatchObject({ id: blocked?.value.outputs?.id, status: 'applied' });
    const [unblocked] = await xsoar('portcullis-unblock', { indicators: '203.0.113.70', wait: '20' });
    expect(unblocked?.value.outputs).toMatchObject({ playbook: 'unblock-ip', status: 'applied' });
  });

  it('quarantines and releases a host, requests and revokes an allow (which waits for approval)', async () => {
    const [q] = await xsoar('portcullis-quarantine', { host: 'i-0a1b2c3d4e5f60001', connector: 'aws-sandbox', reason: 'xsoar test', wait: '20' });
    expect(q?.kind, JSON.stringify(q)).toBe('results');
    expect(q?.value.outputs).toMatchObject({ playbook: 'quarantine-host' });
    const [r] = await xsoar('portcullis-release', { host: 'i-0a1b2c3d4e5f60001', connector: 'aws-sandbox', wait: '20' });
    expect(r?.value.outputs).toMatchObject({ playbook: 'release-host' });
    const [allow] = await xsoar('portcullis-allow', { from: 'web', to: 'api', protocol: 'tcp', port: '9000', reason: 'xsoar test', wait: '2' });
    expect(allow?.value.outputs).toMatchObject({ playbook: 'allow-ingress', status: 'pending_approval' });
    const [revoke] = await xsoar('portcullis-revoke', { from: 'web', to: 'api', protocol: 'tcp', port: '9000', wait: '2' });
    expect(revoke?.value.outputs).toMatchObject({ playbook: 'revoke-allow' });
  });

  it('refuses bad input with the problem code (a guardrail), as an XSOAR error', async () => {
    const [error] = await xsoar('portcullis-block', { indicators: '10.0.0.1', wait: '5' });
    expect(error).toMatchObject({ kind: 'error' });
    expect(String(error?.value)).toContain('422 guardrail_refused');
  });

  it('fetch-events pages the audit log from the last run cursor, with no gap and no repeat', async () => {
    const seqs: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [events] = await xsoar('fetch-events');
      expect(events).toMatchObject({ kind: 'events', value: { vendor: 'portcullis', product: 'portcullis' } });
      seqs.push(...(events?.value.events ?? []).map((e) => e.seq));
    }
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(JSON.parse(readFileSync(lastRun, 'utf8'))).toHaveProperty('cursor');
  });
});

/**
 * Issue 17 item 3: the Shuffle app (integrations/shuffle/portcullis/1.0.0: api.yaml + src/app.py) run
 * with python3 against a real `portcullis serve`; only Shuffle's walkoff_app_sdk is replaced by the
 * smallest stand-in. Every action of api.yaml maps to a method with exactly its parameters.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type ServerProcess, cleanUp, startServer, tempDir } from '../support/process.ts';
import { DEMO_SECRET, sandboxConfig } from '../process/sandbox-config.ts';

const exec = promisify(execFile);
const DIR = join(REPO_ROOT, 'integrations/shuffle/portcullis/1.0.0');
const PY = { ...process.env, PYTHONPATH: join(REPO_ROOT, 'test/integrations/standins/shuffle') };

let server: ServerProcess;
beforeAll(async () => {
  const dir = tempDir();
  server = await startServer({ dir, config: (port) => sandboxConfig(join(dir, 'data'), port) });
});
afterAll(cleanUp);

async function shuffle<T>(name: string, parameters: Record<string, string>): Promise<T> {
  const action = { name, parameters: { url: server.url, client_id: 'demo', secret: DEMO_SECRET, ...parameters } };
  const { stdout } = await exec('python3', [join(DIR, 'src/app.py')], { env: { ...PY, SHUFFLE_ACTION: JSON.stringify(action) }, timeout: 60_000 });
  return JSON.parse((JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { result: string }).result) as T;
}

interface Run {
  id: string;
  status: string;
  playbook: string;
}

describe('Shuffle app', () => {
  it('api.yaml actions are the app methods, with the same parameters (authentication first)', async () => {
    const api = parse(readFileSync(join(DIR, 'api.yaml'), 'utf8')) as { authentication: { parameters: { name: string }[] }; actions: { name: string; parameters: { name: string }[] }[] };
    const script = [
      'import inspect, json, sys',
      `sys.path.insert(0, ${JSON.stringify(join(DIR, 'src'))})`,
      'import app',
      'out = {n: [p for p in inspect.signature(f).parameters if p != "self"] for n, f in inspect.getmembers(app.Portcullis, inspect.isfunction) if not n.startswith("_")}',
      'print(json.dumps(out))',
    ].join('\n');
    const { stdout } = await exec('python3', ['-c', script], { env: PY });
    const methods = JSON.parse(stdout) as Record<string, string[]>;
    const auth = api.authentication.parameters.map((p) => p.name);
    for (const action of api.actions) expect(methods[action.name], action.name).toEqual([...auth, ...action.parameters.map((p) => p.name)]);
    expect(Object.keys(methods).sort()).toEqual(api.actions.map((a) => a.name).sort());
  });

  it('blocks, looks up, reads the run, unblocks; quarantines and releases; allows and revokes', async () => {
    const run = await shuffle<Run>('block_ip', { indicators: '203.0.113.90', ttl: '1h', reason: 'shuffle test', wait: '20' });
    expect(run).toMatchObject({ playbook: 'block-ip', status: 'applied' });
    expect(await shuffle('lookup_block', { indicator: '203.0.113.90' })).toMatchObject({ blocked: true, blocks: [{ cidr: '203.0.113.90/32' }] });
    expect(await shuffle('get_run', { run_id: run.id })).toMatchObject({ id: run.id, status: 'applied' });
    expect(await shuffle('unblock_ip', { indicators: '203.0.113.90', wait: '20' })).toMatchObject({ playbook: 'unblock-ip', status: 'applied' });
    expect(await shuffle('quarantine_host', { host: 'i-0a1b2c3d4e5f60001', connector: 'aws-sandbox', wait: '20' })).toMatchObject({ playbook: 'quarantine-host' });
    expect(await shuffle('release_host', { host: 'i-0a1b2c3d4e5f60001', connector: 'aws-sandbox', wait: '20' })).toMatchObject({ playbook: 'release-host' });
    expect(await shuffle('allow_ingress', { source: 'web', to: 'api', port: '9000', wait: '2' })).toMatchObject({ playbook: 'allow-ingress', status: 'pending_approval' });
    expect(await shuffle('revoke_allow', { source: 'web', to: 'api', port: '9000', wait: '2' })).toMatchObject({ playbook: 'revoke-allow' });
  });

  it('pages the audit log and reports refusals with their problem code', async () => {
    const page = await shuffle<{ events: { seq: number }[]; next_cursor: string }>('audit_events', { limit: '3' });
    expect(page.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    const next = await shuffle<{ events: { seq: number }[] }>('audit_events', { after: page.next_cursor, limit: '3' });
    expect(next.events.map((e) => e.seq)).toEqual([4, 5, 6]);
    expect(await shuffle('block_ip', { indicators: '10.0.0.1', wait: '5' })).toMatchObject({ success: false, reason: expect.stringContaining('422 guardrail_refused') });
  });
});

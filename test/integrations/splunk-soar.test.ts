/**
 * Issue 17 item 3: the Splunk SOAR app (integrations/splunk-soar: app JSON + connector Python) run
 * with python3 against a real `portcullis serve`; only the platform's `phantom` package is replaced
 * by the smallest stand-in (test/integrations/standins/splunk-soar). Every action in the app JSON runs.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type ServerProcess, cleanUp, startServer, tempDir } from '../support/process.ts';
import { DEMO_SECRET, DEMO_TOKEN, sandboxConfig } from '../process/sandbox-config.ts';

const exec = promisify(execFile);
const DIR = join(REPO_ROOT, 'integrations/splunk-soar');

let server: ServerProcess;
let dir: string;
beforeAll(async () => {
  dir = tempDir();
  server = await startServer({ dir, config: (port) => sandboxConfig(join(dir, 'data'), port) });
});
afterAll(cleanUp);

interface Outcome {
  progress: string[];
  results: { status: 'success' | 'failed'; message: string; data: ({ id?: string; status?: string; playbook?: string; cidr?: string } & Record<string, unknown>)[]; summary: Record<string, unknown> }[];
}

let n = 0;
async function action(identifier: string, parameters: Record<string, unknown>[] = [{}], secret = DEMO_SECRET): Promise<Outcome> {
  const file = join(dir, `action-${++n}.json`);
  writeFileSync(file, JSON.stringify({ identifier, config: { base_url: server.url, client_id: 'demo', secret, token: DEMO_TOKEN }, parameters }));
  const { stdout } = await exec('python3', [join(DIR, 'portcullis_connector.py'), file], {
    env: { ...process.env, PYTHONPATH: join(REPO_ROOT, 'test/integrations/standins/splunk-soar') },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Outcome;
}

describe('Splunk SOAR app', () => {
  it('declares the actions its connector implements', () => {
    const app = JSON.parse(readFileSync(join(DIR, 'portcullis.json'), 'utf8')) as { main_module: string; actions: { identifier: string }[] };
    expect(app.main_module).toBe('portcullis_connector.py');
    const py = readFileSync(join(DIR, app.main_module), 'utf8');
    for (const { identifier } of app.actions) expect(py).toContain(`"${identifier}"`);
    expect(app.actions.map((a) => a.identifier).sort()).toEqual(
      ['allow_ingress', 'block_ip', 'get_run', 'lookup_ip', 'quarantine_device', 'revoke_allow', 'test_connectivity', 'unblock_ip', 'unquarantine_device'].sort(),
    );
  });

  it('test connectivity passes with the right secret and fails with a wrong one', async () => {
    const ok = await action('test_connectivity');
    expect(ok.results[0]).toMatchObject({ status: 'success', message: 'Test Connectivity Passed' });
    expect(ok.progress[0]).toContain('Connected as demo');
    const bad = await action('test_connectivity', [{}], 'whsec_d3Jvbmc=');
    expect(bad.results[0]?.status).toBe('failed');
    expect(bad.results[0]?.message).toContain('401 signature_invalid');
  });

  it('blocks, looks up, reads the run, unblocks', async () => {
    const blocked = await action('block_ip', [{ indicators: '203.0.113.80', ttl: '1h', reason: 'soar test', wait: 20 }]);
    expect(blocked.results[0]).toMatchObject({ status: 'success', summary: { status: 'applied' } });
    const id = blocked.results[0]?.data[0]?.id;
    expect((await action('lookup_ip', [{ ip: '203.0.113.80' }])).results[0]).toMatchObject({ status: 'success', summary: { blocked: true, blocks: 1 } });
    expect((await action('get_run', [{ run_id: id }])).results[0]?.data[0]).toMatchObject({ id, status: 'applied' });
    expect((await action('unblock_ip', [{ indicators: '203.0.113.80', wait: 20 }])).results[0]).toMatchObject({ status: 'success', summary: { status: 'applied' } });
    expect((await action('lookup_ip', [{ ip: '203.0.113.80' }])).results[0]?.summary).toMatchObject({ blocked: false });
  });

  it('quarantines and releases, requests and revokes an allow', async () => {
    const q = await action('quarantine_device', [{ host: 'i-0a1b2c3d4e5f60001', connector: 'aws-sandbox', wait: 20 }]);
    expect(q.results[0]?.data[0], q.results[0]?.message).toMatchObject({ playbook: 'quarantine-host' });
    const r = await action('unquarantine_device', [{ host: 'i-0a1b2c3d4e5f60001', connector: 'aws-sandbox', wait: 20 }]);
    expect(r.results[0]?.data[0]).toMatchObject({ playbook: 'release-host' });
    const allow = await action('allow_ingress', [{ from: 'web', to: 'api', protocol: 'tcp', port: '9000', wait: 2 }]);
    expect(allow.results[0]).toMatchObject({ status: 'success', summary: { status: 'pending_approval' } });
    const revoke = await action('revoke_allow', [{ from: 'web', to: 'api', protocol: 'tcp', port: '9000', wait: 2 }]);
    expect(revoke.results[0]?.data[0]).toMatchObject({ playbook: 'revoke-allow' });
  });

  it('reports a refusal with its problem code as a failed action', async () => {
    const refused = await action('block_ip', [{ indicators: '10.0.0.1', wait: 5 }]);
    expect(refused.results[0]?.status).toBe('failed');
    expect(refused.results[0]?.message).toContain('422 guardrail_refused');
  });
});

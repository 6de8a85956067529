/**
 * Issue 17 item 2: the stdlib-only Python client (clients/python/portcullis_client.py), run by the
 * machine's python3 against a real `portcullis serve` on loopback: signed runs with Prefer: wait,
 * Location polling, a lost answer retried with the same webhook-id and Idempotency-Key (one run),
 * problem+json errors, bearer and signed reads. Its signature is also checked by the public
 * standardwebhooks library.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type ServerProcess, cleanUp, startServer, tempDir } from '../support/process.ts';
import { DEMO_SECRET, DEMO_TOKEN, sandboxConfig } from '../process/sandbox-config.ts';
import { type LossyProxy, lossyProxy } from './lossy-proxy.ts';

const exec = promisify(execFile);

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

/** Runs a Python snippet with `pc` (a Client through the proxy) and `Client` in scope; returns its printed JSON. */
async function python<T>(code: string, env: Record<string, string> = {}): Promise<T> {
  const program = [
    'import json, os, sys',
    `sys.path.insert(0, ${JSON.stringify(join(REPO_ROOT, 'clients/python'))})`,
    'from portcullis_client import Client, PortcullisError, sign',
    "pc = Client(os.environ['PC_URL'], 'demo', os.environ['PC_SECRET'], backoff=0.01)",
    'def out(value): print(json.dumps(value))',
    code,
  ].join('\n');
  const { stdout } = await exec('python3', ['-c', program], {
    env: { ...process.env, PC_URL: proxy.url, PC_DIRECT: server.url, PC_SECRET: DEMO_SECRET, PC_TOKEN: DEMO_TOKEN, ...env },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null') as T;
}

describe('Python client (stdlib only)', () => {
  it('imports nothing outside the standard library', async () => {
    const modules = await python<string[]>(
      [
        'import ast, portcullis_client',
        'tree = ast.parse(open(portcullis_client.__file__).read())',
        'names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}',
        'names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}',
        "out(sorted(m for m in names if m.split('.')[0] not in sys.stdlib_module_names))",
      ].join('\n'),
    );
    expect(modules).toEqual([]);
  });

  it('signs the way the public standardwebhooks library verifies', async () => {
    const sig = await python<{ id: string; ts: number; body: string; signature: string }>(
      "import time\nbody = json.dumps({'playbook': 'block-ip', 'inputs': {'indicators': '203.0.113.20'}})\nts = int(time.time())\nout({'id': 'msg_py', 'ts': ts, 'body': body, 'signature': sign(os.environ['PC_SECRET'], 'msg_py', ts, body)})",
    );
    const headers = { 'webhook-id': sig.id, 'webhook-timestamp': String(sig.ts), 'webhook-signature': sig.signature };
    expect(new Webhook(DEMO_SECRET).verify(sig.body, headers)).toEqual(JSON.parse(sig.body));
    expect(() => new Webhook(DEMO_SECRET).verify(`${sig.body} `, headers)).toThrow();
  });

  it('blocks with wait=20 (Prefer: wait) and reads the block back with the bearer token', async () => {
    const result = await python<{ run: { status: string; playbook: string }; blocks: string[]; hit: { ip: string; blocked: boolean; blocks: { cidr: string }[] } }>(
      "run = pc.block('203.0.113.21', ttl='1h', reason='python client test', wait=20)\nreader = Client(os.environ['PC_URL'], 'demo', os.environ['PC_SECRET'], token=os.environ['PC_TOKEN'])\nout({'run': run, 'blocks': [b['cidr'] for b in reader.list_blocks()], 'hit': reader.blocks_containing('203.0.113.21')})",
    );
    expect(result.hit).toMatchObject({ ip: '203.0.113.21', blocked: true, blocks: [{ cidr: '203.0.113.21/32' }] });
    expect(result.run).toMatchObject({ playbook: 'block-ip', status: 'applied' });
    expect(result.blocks).toContain('203.0.113.21/32');
    expect(proxy.seen.find((r) => r.method === 'POST')?.headers.prefer).toBe('wait=20');
  });

  it('follows Location from a 202 until the run settles', async () => {
    const result = await python<{ first: string; settled: string }>(
      "run = pc.run_playbook('block-ip', {'indicators': '203.0.113.22'})\nsettled = pc.wait_for_run(run['links']['self'], timeout=20)\nout({'first': run['status'], 'settled': settled['status']})",
    );
    expect(result).toEqual({ first: 'pending', settled: 'applied' });
  });

  it('retries a lost answer with the same webhook-id and Idempotency-Key: one run, not two', async () => {
    proxy.loseAnswers(2, '/v1/playbooks/');
    const result = await python<{ id: string; runs: string[] }>(
      "run = pc.block('203.0.113.23', wait=20)\nruns = [r['id'] for r in pc.list_runs(playbook='block-ip', limit=200)['runs'] if '203.0.113.23' in json.dumps(r['inputs'])]\nout({'id': run['id'], 'runs': runs})",
    );
    const posts = proxy.seen.filter((r) => r.method === 'POST');
    expect(posts.map((p) => p.dropped)).toEqual([true, true, false]);
    expect(new Set(posts.map((p) => p.headers['webhook-id'])).size).toBe(1);
    expect(new Set(posts.map((p) => p.headers['idempotency-key'])).size).toBe(1);
    expect(result.runs).toEqual([result.id]);
  });

  it('raises PortcullisError with the problem code and does not retry a 4xx', async () => {
    const result = await python<{ status: number; code: string }>(
      "try:\n    pc.block('10.0.0.1')\n    out(None)\nexcept PortcullisError as e:\n    out({'status': e.status, 'code': e.code})",
    );
    expect(result).toEqual({ status: 422, code: 'guardrail_refused' });
    expect(proxy.seen.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('pages the audit log (signed reads) from the cursor', async () => {
    const result = await python<{ actions: string[]; later: number[]; last: number }>(
      "run = pc.block('203.0.113.24', wait=20)\npage = pc.audit_events(run=run['id'], limit=50)\nnext_page = pc.audit_events(run=run['id'], after=page['next_cursor'])\nout({'actions': [e['action'] for e in page['events']], 'later': [e['seq'] for e in next_page['events']], 'last': page['events'][-1]['seq']})",
    );
    expect(result.actions).toContain('run.accepted');
    expect(result.later.every((s) => s > result.last)).toBe(true);
  });
});

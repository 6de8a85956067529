/**
 * Issue 4 item 7 and issue 2 item 11: the repo's own portcullis.config.yaml (only dataDir and port
 * changed) serves its simulators itself, and the README's signed curl call blocks an address on every
 * target of block-ip (the AWS one through its chain, NACL first). Also: SIGTERM stops the server cleanly.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, cleanUp, raceTimeout, runCliToExit, startServer, tempDir, waitFor } from '../support/process.ts';
import type { BlockJson } from './api.ts';
import { BLOCK_IP_CONNECTORS, DEMO_SECRET, DEMO_TOKEN, sandboxConfig } from './sandbox-config.ts';

const run = promisify(execFile);

let server: ServerProcess;
beforeAll(async () => {
  const dir = tempDir();
  server = await startServer({ dir, config: (port) => sandboxConfig(join(dir, 'data'), port) });
});
afterAll(cleanUp);

describe('the sandbox as shipped', () => {
  it('runs the README call: portcullis sign --format curl, then curl, blocks 203.0.113.7 on every block-ip target', async () => {
    expect(DEMO_SECRET).toMatch(/^whsec_/);
    const body = '{"playbook":"block-ip","inputs":{"indicators":"203.0.113.7"}}';
    const url = `${server.url}/v1/playbooks/block-ip/runs`;
    const signed = await runCliToExit(
      ['sign', '--client', 'demo', '--secret-env', 'PORTCULLIS_DEMO_SECRET', '--url', url, '--body', body, '--format', 'curl'],
      { PORTCULLIS_DEMO_SECRET: DEMO_SECRET },
    );
    expect(signed.code, signed.output).toBe(0);
    const curl = signed.stdout.trim();
    expect(curl).toMatch(/^curl /);
    expect(curl).not.toContain(DEMO_SECRET);

    const { stdout } = await run('bash', ['-c', `${curl} -w '\\n%{http_code}'`], { timeout: 15_000 });
    const [answer = '', status] = stdout.trim().split(/\n(?=\d{3}$)/);
    expect(status, answer).toBe('202');
    expect(JSON.parse(answer)).toMatchObject({ playbook: 'block-ip', status: 'pending' });

    const targets = await waitFor(
      async () => {
        const response = await fetch(`${server.url}/v1/blocks`, { headers: { authorization: `Bearer ${DEMO_TOKEN}` } });
        const blocks = ((await response.json()) as { blocks: BlockJson[] }).blocks;
        const block = blocks.find((b) => b.cidr === '203.0.113.7/32');
        return block && block.targets.length === BLOCK_IP_CONNECTORS.length && block.targets.every((t) => t.state === 'applied') ? block.targets : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, describe: () => `203.0.113.7 not applied everywhere\n${server.output().slice(-3000)}` },
    );
    expect(targets.map((t) => t.connector).sort()).toEqual([...BLOCK_IP_CONNECTORS].sort());
    expect(BLOCK_IP_CONNECTORS).toEqual(expect.arrayContaining(['aws-sandbox', 'azure-sandbox', 'gcp-sandbox', 'cloudflare-sandbox']));
    // The AWS target's chain: one block fits the network ACL, its first point.
    expect(targets.find((t) => t.connector === 'aws-sandbox')).toMatchObject({ chain: 'aws-edge', points: ['aws-sandbox/edge'] });
  });

  it('stops on SIGTERM with exit code 0 within a few seconds', async () => {
    server.process.kill('SIGTERM');
    const exit = await raceTimeout(server.exited, 5_000, () => `still running 5 s after SIGTERM\n${server.output().slice(-3000)}`);
    expect(exit).toEqual({ code: 0, signal: null });
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});

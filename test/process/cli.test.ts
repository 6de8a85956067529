/**
 * Issue 9 item 22, as a user runs the binary: `serve --port/--host/--data-dir` (and PORTCULLIS_PORT,
 * PORTCULLIS_HOST, PORTCULLIS_DATA_DIR) start a second sandbox from the shipped config without an edited
 * copy; `serve --help` starts nothing; `audit tail | head -1` ends quietly instead of dying with EPIPE.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Child,
  REPO_ROOT,
  cleanUp,
  freePort,
  raceTimeout,
  runCliToExit,
  sleep,
  spawnCli,
  tempDir,
  waitFor,
} from '../support/process.ts';
import { apiClient } from './api.ts';
import { DEMO_SECRET, DEMO_TOKEN } from './sandbox-config.ts';

afterAll(cleanUp);

const ready = (url: string) =>
  fetch(`${url}/readyz`).then(
    (r) => (r.status === 200 ? true : undefined),
    () => undefined,
  );

async function waitReady(child: Child, url: string): Promise<void> {
  await waitFor(
    async () => {
      if (!child.alive()) throw new Error(`serve exited:\n${child.output()}`);
      return ready(url);
    },
    { timeoutMs: 30_000, intervalMs: 100, describe: () => child.output().slice(-2000) },
  );
}

describe('serve overrides', () => {
  it('--port and --data-dir run the shipped sandbox config on another port and data directory', async () => {
    const dir = tempDir();
    const port = await freePort();
    const child = spawnCli(['serve', '--port', String(port), '--data-dir', join(dir, 'second')]);
    await waitReady(child, `http://127.0.0.1:${port}`);
    expect(existsSync(join(dir, 'second', 'portcullis.db'))).toBe(true);
    child.process.kill('SIGTERM');
    expect(await raceTimeout(child.exited, 5_000, () => child.output())).toEqual({ code: 0, signal: null });
  });

  it('PORTCULLIS_PORT, PORTCULLIS_HOST and PORTCULLIS_DATA_DIR do the same; a flag wins over its variable', async () => {
    const dir = tempDir();
    const port = await freePort();
    const child = spawnCli(['serve', '--data-dir', join(dir, 'flag')], {
      PORTCULLIS_PORT: String(port),
      PORTCULLIS_HOST: '127.0.0.1',
      PORTCULLIS_DATA_DIR: join(dir, 'env'),
    });
    await waitReady(child, `http://127.0.0.1:${port}`);
    expect(existsSync(join(dir, 'flag', 'portcullis.db'))).toBe(true);
    expect(existsSync(join(dir, 'env'))).toBe(false);
  });

  it('a sandbox refuses a non-loopback --host (exit 1 naming listen.host); a bad --port is a usage error (exit 2)', async () => {
    const dir = tempDir();
    const open = await runCliToExit(['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', join(dir, 'd')]);
    expect(open.code, open.output).toBe(1);
    expect(open.output).toMatch(/- listen\.host: a sandbox config \(public demo secret\) only listens on loopback/);
    const bad = await runCliToExit(['serve', '--port', 'http']);
    expect(bad.code).toBe(2);
    expect(bad.output.trim()).toBe('portcullis serve: --port must be a port number 0-65535, not "http" (see portcullis serve --help)');
    const env = await runCliToExit(['serve'], { PORTCULLIS_PORT: '99999' });
    expect(env.code).toBe(2);
    expect(env.output).toMatch(/PORTCULLIS_PORT must be a port number/);
  });

  it('serve --help and serve --bogus start nothing and exit at once (0 and 2), without a stack trace', async () => {
    const help = await runCliToExit(['serve', '--help'], {}, 10_000);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^portcullis serve \[--config FILE\] \[--host HOST\] \[--port PORT\] \[--data-dir DIR\]/);
    const bogus = await runCliToExit(['serve', '--bogus'], {}, 10_000);
    expect(bogus.code).toBe(2);
    expect(bogus.output.trim()).toBe("portcullis serve: unknown option '--bogus' (see portcullis serve --help)");
  });

  it('--version prints the package version', async () => {
    const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const r = await runCliToExit(['--version']);
    expect([r.code, r.stdout]).toEqual([0, `${version}\n`]);
  });
});

describe('audit tail into a closed pipe', () => {
  it('`audit tail | head -1` prints one event and tail exits 0 without an EPIPE error', async () => {
    const dir = tempDir();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = spawnCli(['serve', '--port', String(port), '--data-dir', join(dir, 'data')]);
    await waitReady(server, url);
    const api = apiClient(() => url, { id: 'demo', secret: DEMO_SECRET, token: DEMO_TOKEN });

    const bin = join(REPO_ROOT, 'bin/portcullis.mjs');
    const pipeline = spawn(
      'bash',
      ['-c', `"${process.execPath}" "${bin}" audit tail --url ${url} --interval 0.1 2>"${dir}/tail.err" | head -1; echo "tail exit: \${PIPESTATUS[0]}"`],
      { cwd: REPO_ROOT, env: { ...process.env, PORTCULLIS_TOKEN: DEMO_TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    pipeline.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    const done = new Promise<number | null>((r) => pipeline.once('close', r));
    // head has exited after the first line; new events make tail write into the closed pipe.
    let n = 0;
    const writer = (async () => {
      while (pipeline.exitCode === null && n < 50) {
        await api.block(`198.51.100.${++n}`);
        await sleep(200);
      }
    })();
    const code = await raceTimeout(done, 20_000, () => `tail did not stop after head exited: ${out}`);
    await writer;
    expect(code).toBe(0);
    const [first, status] = out.trim().split('\n');
    expect(JSON.parse(first ?? '')).toHaveProperty('seq');
    expect(status).toBe('tail exit: 0');
    expect(readFileSync(join(dir, 'tail.err'), 'utf8')).toBe('');
  });
});

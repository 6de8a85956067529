/**
 * Issue 9 item 23: every ```sh block of README.md (and of the connector READMEs) runs as printed, in
 * order, against a real `portcullis serve` of the shipped sandbox config on a random port, from a
 * scratch copy of the repo. The only change made to a block is the port: `127.0.0.1:8787` becomes the
 * test server's. Blocks marked `<!-- readme-test: skip (reason) -->` are listed as skipped with their
 * reason; `expect /regex/` and `run-for N` markers are described in test/support/readme-blocks.ts and
 * in README.md ("Development").
 */
import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellBlocks } from '../support/readme-blocks.ts';
import { type Child, REPO_ROOT, cleanUp, freePort, raceTimeout, spawnCli, tempDir, waitFor } from '../support/process.ts';

const READMES = [
  'README.md',
  ...readdirSync(join(REPO_ROOT, 'connectors'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `connectors/${d.name}/README.md`)
    .filter((f) => {
      try {
        readFileSync(join(REPO_ROOT, f));
        return true;
      } catch {
        return false;
      }
    }),
];
const blocks = READMES.flatMap((file) => shellBlocks(file, readFileSync(join(REPO_ROOT, file), 'utf8')));
const BLOCK_TIMEOUT_MS = 120_000;
const NOT_COPIED = new Set(['node_modules', '.git', 'data', '.wrangler', '.vitest', 'coverage']);

let server: Child;
let url: string;
let port: number;
let workdir: string;

beforeAll(async () => {
  const dir = tempDir('portcullis-readme-');
  workdir = join(dir, 'repo');
  cpSync(REPO_ROOT, workdir, { recursive: true, filter: (src) => !NOT_COPIED.has(relative(REPO_ROOT, src).split(/[\\/]/)[0] ?? '') });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(workdir, 'node_modules'));
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = spawnCli(['serve', '--port', String(port), '--data-dir', join(dir, 'server-data')]);
  await waitFor(
    async () => {
      if (!server.alive()) throw new Error(`serve exited:\n${server.output()}`);
      return fetch(`${url}/readyz`).then(
        (r) => (r.status === 200 ? true : undefined),
        () => undefined,
      );
    },
    { timeoutMs: 60_000, intervalMs: 100, describe: () => server.output().slice(-3000) },
  );
}, 90_000);
afterAll(cleanUp);

/** The environment a reader has: none of our variables set, except the URL the CLI defaults to. */
function readerEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PORTCULLIS_')));
  return { ...env, PORTCULLIS_URL: url, npm_config_update_notifier: 'false', NO_COLOR: '1' };
}

async function runBlock(code: string, runForSeconds: number | undefined): Promise<{ code: number | null; output: string; stopped: boolean }> {
  const script = code.replaceAll('127.0.0.1:8787', `127.0.0.1:${port}`).replaceAll('localhost:8787', `localhost:${port}`);
  const child = spawn('bash', ['-c', `set -eo pipefail\n${script}`], { cwd: workdir, env: readerEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => {
    output += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    output += c.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  const stopGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  if (runForSeconds !== undefined) {
    const early = await Promise.race([exited.then((c) => ({ c })), new Promise<undefined>((r) => setTimeout(() => r(undefined), runForSeconds * 1000))]);
    if (early) return { code: early.c, output, stopped: false };
    stopGroup();
    await raceTimeout(exited, 10_000, () => `block did not stop after SIGTERM:\n${output}`);
    return { code: 0, output, stopped: true };
  }
  try {
    return { code: await raceTimeout(exited, BLOCK_TIMEOUT_MS - 5_000, () => `block did not finish:\n${output}`), output, stopped: false };
  } finally {
    stopGroup();
  }
}

describe('README code blocks, run as printed against a sandbox server', () => {
  it('finds the blocks, and every skip has a reason', () => {
    expect(blocks.length).toBeGreaterThan(5);
    for (const b of blocks) if (b.skip !== undefined) expect(b.skip.trim().length, `${b.file}:${b.line}`).toBeGreaterThan(5);
  });

  for (const block of blocks) {
    const title = `${block.file}:${block.line} ${block.code.split('\n')[0]?.slice(0, 70)}`;
    if (block.skip !== undefined) {
      it.skip(`${title} (skipped: ${block.skip})`, () => undefined);
      continue;
    }
    it(
      title,
      async () => {
        // The scratch copy shares node_modules with the repo: an install there would rewrite the real one.
        expect(/\bnpm\s+(ci|install|i|uninstall)\b/.test(block.code), `${title}: a block that installs packages must be marked skip`).toBe(false);
        const result = await runBlock(block.code, block.runForSeconds);
        expect(result.code, `exit ${result.code}\n${result.output}`).toBe(block.exitCode);
        for (const pattern of block.expect) expect(result.output, `output does not match ${pattern}`).toMatch(pattern);
      },
      BLOCK_TIMEOUT_MS,
    );
  }
});

/**
 * The supported runtime (Node 22.18+ or 24 LTS) runs the sources with Node's own type stripping: no
 * transpiler on the production path, and a machine whose `node` is older still runs the CLI on the
 * runtime `npm ci` installed into node_modules/node.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/process.ts';

const run = promisify(execFile);
const BIN = join(REPO_ROOT, 'bin/portcullis.mjs');
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('runtime', () => {
  it('is a supported Node LTS (22.18+ or 24), not an end-of-life one', () => {
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    expect(major === 24 || (major === 22 && minor >= 18), `running on ${process.version}`).toBe(true);
    expect(pkg.engines.node).toBe('>=22.18');
  });

  it('ships no TypeScript transpiler or loader as a runtime dependency', () => {
    for (const name of ['tsx', 'ts-node', '@swc/core', 'esbuild-register', 'typescript']) {
      expect(pkg.dependencies[name], name).toBeUndefined();
    }
  });

  it('runs the CLI only through Node type stripping: with it switched off, the sources do not load', async () => {
    const ok = await run(process.execPath, [BIN, 'keys', 'new'], { cwd: REPO_ROOT });
    expect(ok.stdout.trim()).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    // If any loader or transpiler were on the path, this would still work.
    const off = run(process.execPath, ['--no-experimental-strip-types', BIN, 'keys', 'new'], { cwd: REPO_ROOT });
    await expect(off).rejects.toMatchObject({ stderr: expect.stringMatching(/ERR_UNKNOWN_FILE_EXTENSION|\.ts/) });
  });

  // The machine's own node (Node 20 on this project's CI image): the case a Node-20-only host is in.
  it.runIf(existsSync('/usr/bin/node'))('on the machine\'s own Node, runs on the runtime npm ci installed into node_modules/node', async () => {
    const bundled = join(REPO_ROOT, 'node_modules/node/bin/node');
    expect(existsSync(bundled), 'npm ci installs the runtime package').toBe(true);
    const { stdout: version } = await run(bundled, ['--version']);
    expect(version.trim()).toMatch(/^v24\./);
    const { stdout } = await run('/usr/bin/node', [BIN, 'keys', 'new'], { cwd: REPO_ROOT });
    expect(stdout.trim()).toMatch(/^whsec_/);
  });
});

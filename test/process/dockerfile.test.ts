/**
 * Issue 13 item 5: the Dockerfile's commands, exercised without Docker (not available here). Each
 * stage gets a temporary root; its absolute paths (/app, /etc, /home) are mapped under that root;
 * COPY copies from the build context (the git-tracked files minus .dockerignore) or from an earlier
 * stage's root; ENV, WORKDIR and RUN are executed as written with `sh -c`. Then CMD starts the
 * service from the final stage's root, with a config mounted where PORTCULLIS_CONFIG says, and the
 * HEALTHCHECK command must pass against it.
 * Departures, each forced by the machine and said here: the console stage's `npm ci` (every dev
 * dependency, browsers' tooling included) is replaced by a link to the repo's node_modules; the port
 * 8080 becomes a free port and the 0.0.0.0 listen address 127.0.0.1 (tests listen on loopback
 * only); USER is recorded, not switched to.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { REPO_ROOT, cleanUp, freePort, sleep, tempDir } from '../support/process.ts';

interface Step {
  op: string;
  args: string;
}
interface Stage {
  name?: string;
  image: string;
  steps: Step[];
}

/** The Dockerfile as stages of instructions (continuation lines joined, comments dropped). */
function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [op = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') {
      const [image = '', as, name] = args.split(/\s+/);
      stages.push({ image, ...(as?.toUpperCase() === 'AS' && name ? { name } : {}), steps: [] });
    } else stages.at(-1)?.steps.push({ op: op.toUpperCase(), args });
  }
  return stages;
}

/** The build context: git-tracked files, minus what .dockerignore names (prefixes and *.ext). */
function contextFiles(): string[] {
  const ignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const ignored = (file: string) =>
    ignore.some((p) => (p.startsWith('*.') ? file.endsWith(p.slice(1)) : file === p || file.startsWith(`${p}/`)));
  return execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n').filter((f) => f && !ignored(f) && existsSync(join(REPO_ROOT, f)));
}

/** Node 24, as the image has it: the runtime `npm ci` installs from the registry's `node` package. */
const IMAGE_NODE = join(REPO_ROOT, 'node_modules/node/bin/node');

const ROOTED = /(^|[\s"'=])\/(app|etc|home)(?=[/\s"']|$)/g;

afterAll(cleanUp);

it('the Dockerfile builds and runs: its RUN steps succeed, CMD serves, the HEALTHCHECK passes', async () => {
  const stages = parseDockerfile(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  expect(stages.map((s) => s.image)).toEqual(['node:24-bookworm-slim', 'node:24-bookworm-slim']);
  // The image's runtime is Node 24: its commands run on the project's Node 24 (the npm `node` package),
  // whichever runtime runs this suite (CI runs it on Node 22 too).
  const version = execFileSync(IMAGE_NODE, ['--version'], { encoding: 'utf8' }).trim();
  expect(Number(version.replace(/^v/, '').split('.')[0])).toBe(24);
  const files = contextFiles();
  expect(files).not.toContain('node_modules');
  const port = await freePort();
  const roots = new Map<string, string>();
  let final: { root: string; workdir: string; env: Record<string, string>; cmd: string[]; health: string[]; user?: string } | undefined;

  for (const [index, stage] of stages.entries()) {
    const root = tempDir('portcullis-docker-');
    const inRoot = (text: string) => text.replace(ROOTED, (_m, lead: string, top: string) => `${lead}${root}/${top}`).replaceAll('8080', String(port));
    let workdir = root;
    const env: Record<string, string> = {};
    let cmd: string[] = [];
    let health: string[] = [];
    let user: string | undefined;
    for (const step of stage.steps) {
      if (step.op === 'WORKDIR') {
        workdir = inRoot(step.args);
        mkdirSync(workdir, { recursive: true });
      } else if (step.op === 'ENV') {
        for (const [, key, value] of step.args.matchAll(/(\w+)=(\S+)/g)) env[key as string] = inRoot(value as string);
      } else if (step.op === 'COPY') {
        const from = /--from=(\S+)/.exec(step.args)?.[1];
        const parts = step.args.replace(/--\S+/g, '').trim().split(/\s+/);
        const dest = parts.pop() as string;
        const target = dest.startsWith('/') ? inRoot(dest) : join(workdir, dest);
        for (const source of parts) {
          if (from) {
            const fromRoot = roots.get(from);
            expect(fromRoot, `COPY --from=${from}`).toBeDefined();
            cpSync(join(fromRoot as string, source.replace(/^\//, '')), target, { recursive: true });
            continue;
          }
          const matching = files.filter((f) => f === source || f.startsWith(`${source}/`));
          expect(matching.length, `COPY ${source}: nothing in the build context`).toBeGreaterThan(0);
          for (const f of matching) {
            // A file to a directory (dest ends with /) keeps its name; a directory's files keep their paths under dest.
            const out = f === source ? (dest.endsWith('/') ? join(target, f.split('/').pop() as string) : target) : join(target, f.slice(source.length + 1));
            mkdirSync(dirname(out), { recursive: true });
            cpSync(join(REPO_ROOT, f), out);
          }
        }
      } else if (step.op === 'RUN') {
        if (stage.name === 'console' && /^npm ci\b/.test(step.args)) {
          symlinkSync(join(REPO_ROOT, 'node_modules'), join(workdir, 'node_modules'));
          continue;
        }
        // npm prefers the local cache (the packages the worktree's own `npm ci` fetched); the registry answers the rest.
        execFileSync('sh', ['-c', inRoot(step.args)], {
          cwd: workdir,
          env: { ...process.env, ...env, PATH: `${dirname(IMAGE_NODE)}:${process.env.PATH}`, npm_config_prefer_offline: 'true' },
          stdio: 'pipe',
          timeout: 300_000,
        });
      } else if (step.op === 'USER') {
        user = step.args;
      } else if (step.op === 'CMD') {
        cmd = JSON.parse(inRoot(step.args)) as string[];
      } else if (step.op === 'HEALTHCHECK') {
        health = JSON.parse(inRoot(step.args.replace(/^.*?CMD\s+/, ''))) as string[];
      } else {
        expect(['EXPOSE'], `an instruction the test does not know: ${step.op}`).toContain(step.op);
      }
    }
    roots.set(stage.name ?? String(index), root);
    final = { root, workdir, env, cmd, health, ...(user ? { user } : {}) };
  }

  const image = final as NonNullable<typeof final>;
  expect(image.user).toBe('node');
  expect(existsSync(join(image.workdir, 'console/dist/index.html'))).toBe(true);
  expect(existsSync(join(image.workdir, 'node_modules/vitest'))).toBe(false); // production dependencies only
  // The config, "mounted" where PORTCULLIS_CONFIG points: the sandbox (simulated clouds, SQLite in the data dir).
  const configPath = image.env.PORTCULLIS_CONFIG as string;
  mkdirSync(dirname(configPath), { recursive: true });
  writeFileSync(configPath, readFileSync(join(REPO_ROOT, 'portcullis.config.yaml'), 'utf8').replace(/^playbooksDir: .*/m, 'playbooksDir: ./playbooks'));
  const [command, ...args] = image.cmd;
  expect(command).toBe('node');
  const child = spawn(IMAGE_NODE, args, {
    cwd: image.workdir,
    env: { PATH: `${dirname(IMAGE_NODE)}:${process.env.PATH ?? ''}`, ...image.env, PORTCULLIS_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c));
  child.stderr.on('data', (c: Buffer) => (output += c));
  try {
    let ready = false;
    for (let i = 0; i < 200 && !ready && child.exitCode === null; i++) {
      ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
      if (!ready) await sleep(100);
    }
    expect(ready, output.slice(-3000)).toBe(true);
    // The image's HEALTHCHECK, run as Docker would (exit 0 = healthy).
    const [hc, ...hcArgs] = image.health;
    expect(hc).toBe('node');
    execFileSync(IMAGE_NODE, hcArgs, { timeout: 5_000 });
    expect(output).toMatch(/portcullis listening/);
  } finally {
    child.kill('SIGTERM');
  }
}, 600_000);

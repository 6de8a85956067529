/**
 * The real server as a child process (`node bin/portcullis.mjs serve --config <temp>`), configured like the
 * repo's sandbox but pointed at the bench's own simulators, with a client secret and read token from env.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { CLOUDS, CONNECTOR, type Cloud } from './clouds.ts';

export const BENCH_CLIENT = 'bench-soar';

export interface RunningChild {
  url: string;
  /** The config text the child runs with (no secrets inside: they come from env). */
  configText: string;
  secret: string;
  token: string;
  /** Lines the child wrote to stderr/stdout (warn level and above), for the report when something fails. */
  output: string[];
  stop(): Promise<void>;
}

const root = resolve(import.meta.dirname, '../..');

const freePort = () =>
  new Promise<number>((ok, fail) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const address = s.address();
      if (typeof address !== 'object' || !address) return fail(new Error('no free port'));
      s.close(() => ok(address.port));
    });
  });

interface ConfigShape {
  [key: string]: unknown;
  connectors: { id: string; [key: string]: unknown }[];
}

/** The sandbox config with: no sandbox, a temp data dir, a free port, an env secret, loopback simulators. */
export function benchConfig(endpoints: Record<Cloud, string>, dataDir: string, port: number): string {
  const config = parse(readFileSync(join(root, 'portcullis.config.yaml'), 'utf8')) as ConfigShape;
  config.sandbox = false;
  config.listen = { host: '127.0.0.1', port };
  config.dataDir = dataDir;
  config.playbooksDir = join(root, 'playbooks');
  config.log = { level: 'warn' };
  config.clients = [
    { id: BENCH_CLIENT, scopes: ['block', 'runs:read', 'audit:read'], secrets: [{ env: 'BENCH_SECRET' }], tokens: [{ env: 'BENCH_TOKEN' }] },
  ];
  for (const cloud of CLOUDS) {
    const block = config.connectors.find((c) => c.id === CONNECTOR[cloud].id);
    if (!block) throw new Error(`portcullis.config.yaml has no connector ${CONNECTOR[cloud].id}`);
    block.simulator = false;
    block.credentials = { source: 'simulator' };
    block.endpoint = endpoints[cloud];
  }
  return stringify(config);
}

/** `profileDir`: the child writes a V8 CPU profile there when it exits (node --cpu-prof). */
/** `makeConfig`: another config than benchConfig's (bench/chains.ts), given the data directory and port. */
export async function startChild(endpoints: Record<Cloud, string>, profileDir?: string, makeConfig?: (dataDir: string, port: number) => string): Promise<RunningChild> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-reconcile-'));
  const port = await freePort();
  const configText = makeConfig ? makeConfig(join(dir, 'data'), port) : benchConfig(endpoints, join(dir, 'data'), port);
  const configPath = join(dir, 'portcullis.config.yaml');
  writeFileSync(configPath, configText);
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const token = `bench-token-${randomBytes(16).toString('hex')}`;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, join(root, 'bin/portcullis.mjs'), 'serve', '--config', configPath], {
    cwd: root,
    env: { ...process.env, BENCH_SECRET: secret, BENCH_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    if (output.length < 2_000) output.push(...String(chunk).split('\n').filter(Boolean));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const hard = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(hard);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // The child must not outlive the bench, whatever way the bench ends.
  process.once('exit', () => child.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) break;
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return { url, configText, secret, token, output, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`the server did not start:\n${output.slice(-20).join('\n')}`);
}

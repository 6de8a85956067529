/**
 * Real `portcullis serve` processes on loopback for the process-level tests (test/process/): spawn
 * `node bin/portcullis.mjs`, wait for /readyz, talk to it over HTTP, and kill every child that is
 * still alive when a test ends, whether it passed or not.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(REPO_ROOT, 'bin/portcullis.mjs');
const OUTPUT_CAP = 256 * 1024;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A spawned CLI process with its output kept (the last 256 KiB) for assertions and failure messages. */
export interface Child {
  process: ChildProcess;
  /** stdout and stderr interleaved. */
  output(): string;
  stdout(): string;
  exited: Promise<Exit>;
  alive(): boolean;
}

export interface ServerProcess extends Child {
  url: string;
  configPath: string;
}

const live = new Set<Child>();
const dirs: string[] = [];

/** A temporary directory removed by `cleanUp`. */
export function tempDir(prefix = 'portcullis-proc-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A port that was free a moment ago (the OS picks it; the listener is closed before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Spawns `node bin/portcullis.mjs <args>` from the repo root with the given extra environment. */
export function spawnCli(args: string[], env: Record<string, string> = {}): Child {
  const { PORTCULLIS_CONFIG: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let stdout = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_CAP);
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout = (stdout + chunk.toString('utf8')).slice(-OUTPUT_CAP);
    keep(chunk);
  });
  child.stderr?.on('data', keep);
  let running = true;
  const exited = new Promise<Exit>((resolveExit) => {
    // 'close' (not 'exit'): fires once the output streams are drained too.
    child.once('close', (code, signal) => {
      running = false;
      resolveExit({ code, signal });
    });
  });
  const handle: Child = { process: child, output: () => output, stdout: () => stdout, exited, alive: () => running };
  live.add(handle);
  void exited.then(() => live.delete(handle));
  return handle;
}

/** Runs a CLI command to its end (killed after `timeoutMs`). */
export async function runCliToExit(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<Exit & { output: string; stdout: string }> {
  const child = spawnCli(args, env);
  const exit = await raceTimeout(child.exited, timeoutMs, () => `portcullis ${args[0]} did not exit within ${timeoutMs} ms:\n${child.output()}`);
  return { ...exit, output: child.output(), stdout: child.stdout() };
}

/**
 * Writes the config built for a fresh free port into `dir` and starts `portcullis serve` on it;
 * resolves once GET /readyz answers 200. A child that exits first rejects with its output. The port
 * was free a moment before the child binds it: when another process takes it first (EADDRINUSE,
 * seen on a loaded machine), the start is retried on a new port, at most three times.
 */
export async function startServer(options: {
  dir: string;
  config: (port: number) => string;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerOnce(options);
    } catch (error) {
      if (attempt === 3 || !String(error).includes('EADDRINUSE')) throw error;
    }
  }
}

async function startServerOnce(options: { dir: string; config: (port: number) => string; env?: Record<string, string>; readyTimeoutMs?: number }): Promise<ServerProcess> {
  const port = await freePort();
  const configPath = join(options.dir, `portcullis-${port}.config.yaml`);
  writeFileSync(configPath, options.config(port));
  const child = spawnCli(['serve', '--config', configPath], options.env);
  const url = `http://127.0.0.1:${port}`;
  const server: ServerProcess = { ...child, url, configPath };
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!child.alive()) {
      await child.exited;
      throw new Error(`portcullis serve exited before it was ready:\n${child.output()}`);
    }
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return server;
    await sleep(100);
  }
  throw new Error(`portcullis serve was not ready within ${timeoutMs} ms:\n${child.output()}`);
}

/** SIGKILLs every child still running and removes the temporary directories (afterEach/afterAll). */
export async function cleanUp(): Promise<void> {
  await Promise.all(
    [...live].map(async (child) => {
      child.process.kill('SIGKILL');
      await raceTimeout(child.exited, 5_000, () => `pid ${child.process.pid} survived SIGKILL`);
    }),
  );
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value other than undefined; fails with `describe()` after the timeout. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs: number; intervalMs?: number; describe: () => string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms: ${options.describe()}`);
    await sleep(options.intervalMs ?? 50);
  }
}

export async function raceTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

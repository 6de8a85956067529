/**
 * Child server processes for the benchmarks: spawned on 127.0.0.1, waited for, measured (CPU time from
 * /proc) and always killed, on success, on error, on Ctrl-C and on the global time limit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const live = new Set<ChildProcess>();

export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
  /** The last few kilobytes of stderr, for error messages. */
  stderrTail(): string;
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => ok(port));
    });
  });
}

/**
 * Starts `node [nodeArgs] script [args]` from the repository root and resolves once `readyUrl` answers.
 * stdout goes to /dev/null (the service's access log is still formatted and written, as in production);
 * stderr is kept (bounded) to explain a failed start.
 */
export async function startServer(o: {
  name: string;
  nodeArgs: string[];
  script: string;
  args: string[];
  url: string;
  readyPath: string;
  startTimeoutMs: number;
  /** Extra environment variables for the child. */
  env?: Record<string, string>;
}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...o.nodeArgs, o.script, ...o.args], {
    cwd: ROOT,
    ...(o.env ? { env: { ...process.env, ...o.env } } : {}),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let tail = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4096);
  });
  const server: ServerProcess = { name: o.name, url: o.url, pid: child.pid ?? -1, child, stderrTail: () => tail };
  const deadline = Date.now() + o.startTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${o.name} exited with ${child.exitCode} before it was ready:\n${tail}`);
    try {
      const response = await fetch(`${o.url}${o.readyPath}`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) return server;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopServer(server);
  throw new Error(`${o.name} was not ready within ${o.startTimeoutMs} ms:\n${tail}`);
}

/** SIGTERM (a clean exit writes --cpu-prof profiles and closes SQLite), then SIGKILL after `graceMs`. */
export async function stopServer(server: ServerProcess, graceMs = 5000): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Kills every child still running, synchronously (safe in an 'exit' handler). */
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/** user+system CPU seconds the process has used so far (Linux /proc; 0 elsewhere). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Kills the children whatever ends this process. */
export function killChildrenOnExit(): void {
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

/**
 * Builds the Worker exactly as a deploy would (wrangler's dry-run bundle of the current code),
 * applies the migrations with `wrangler d1 migrations apply --local`, and runs both in workerd
 * through Miniflare, with the bindings and compatibility settings read from wrangler.toml.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import { Miniflare, type WorkerOptions } from 'miniflare';
import type { Simulator } from '../../src/connectors/simulator.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
const WRANGLER = join(ROOT, 'node_modules/.bin/wrangler');
const run = promisify(execFile);

/** What the tests take from wrangler.toml (so they check the shipped file, not a copy of it). */
export interface WranglerSettings {
  compatibilityDate: string;
  compatibilityFlags: string[];
  config: string;
  databaseId: string;
  /** Durable Object bindings: binding name → class name (the TargetReconciler per target). */
  durableObjects: Record<string, string>;
}

/** The fields of wrangler's resolved config read here (its published typings resolve to `any` under NodeNext). */
interface WranglerConfigSubset {
  compatibility_date?: string;
  compatibility_flags: string[];
  vars: Record<string, unknown>;
  d1_databases: { binding: string; database_id?: string }[];
  durable_objects: { bindings: { name: string; class_name: string }[] };
}

export async function readWranglerSettings(): Promise<WranglerSettings> {
  // wrangler's own reader, so the test sees wrangler.toml exactly as `wrangler deploy` does.
  const { unstable_readConfig } = await import('wrangler');
  const config: WranglerConfigSubset = unstable_readConfig({ config: join(ROOT, 'wrangler.toml') });
  const db = config.d1_databases.find((d) => d.binding === 'DB');
  const text = config.vars.PORTCULLIS_CONFIG;
  if (!db?.database_id || typeof text !== 'string' || !config.compatibility_date) {
    throw new Error('wrangler.toml must declare compatibility_date, the DB binding and vars.PORTCULLIS_CONFIG');
  }
  return {
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    config: text,
    databaseId: db.database_id,
    durableObjects: Object.fromEntries(config.durable_objects.bindings.map((b) => [b.name, b.class_name])),
  };
}

export async function wrangler(args: string[]): Promise<string> {
  try {
    const { stdout } = await run(WRANGLER, args, {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1', NO_COLOR: '1' },
      // Generous: the bundle holds every connector SDK, and CI machines are shared.
      timeout: 180_000,
    });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`wrangler ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

export interface RunningWorker {
  mf: Miniflare;
  settings: WranglerSettings;
  /** Everything workerd printed (the Worker's console lines). */
  output(): string;
  dispose(): Promise<void>;
}

/**
 * Bundles the Worker, migrates a fresh local D1, and starts the Worker (named "portcullis", with the shipped
 * config) plus any extra workers running the same bundle with other bindings.
 */
export interface StartOptions {
  /**
   * Answers the Worker's outbound fetch (Miniflare's outboundService): the tests route the clouds'
   * hosts to the simulators here (simulatorOutbound). Absent: workerd's default (the network).
   */
  outbound?: (request: Request) => Promise<Response>;
}

export async function startWorker(extra: (settings: WranglerSettings) => WorkerOptions[] = () => [], options: StartOptions = {}): Promise<RunningWorker> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-worker-'));
  const outdir = join(dir, 'dist');
  const persist = join(dir, 'state');
  const [settings] = await Promise.all([
    readWranglerSettings(),
    wrangler(['deploy', '--dry-run', '--outdir', outdir]),
    wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist]),
  ]).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });

  let printed = '';
  const collect = (stream: Readable) => stream.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const shared = {
    modules: true,
    scriptPath: join(outdir, 'worker.js'),
    // Module names are relative to this root; the default (cwd) cannot reach a temp dir with "..".
    modulesRoot: outdir,
    // wrangler writes Cedar's Wasm beside worker.js as a module of its own (its default CompiledWasm rule).
    modulesRules: [{ type: 'CompiledWasm' as const, include: ['**/*.wasm'] }],
    compatibilityDate: settings.compatibilityDate,
    compatibilityFlags: settings.compatibilityFlags,
    d1Databases: { DB: settings.databaseId },
    durableObjects: settings.durableObjects,
    ...(options.outbound ? { outboundService: options.outbound } : {}),
  };
  const mf = new Miniflare({
    // Wrangler keeps local D1 under <persist-to>/v3/d1, keyed by database_id: the same files.
    d1Persist: join(persist, 'v3/d1'),
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      collect(stdout);
      collect(stderr);
    },
    workers: [
      { ...shared, name: 'portcullis', bindings: { PORTCULLIS_CONFIG: settings.config } },
      ...extra(settings).map((w) => ({ ...shared, ...w })),
    ],
  });
  try {
    await mf.ready;
  } catch (error) {
    await mf.dispose().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`workerd did not start: ${(error as Error).message}\n${printed}`);
  }
  return {
    mf,
    settings,
    output: () => printed,
    async dispose() {
      await mf.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * An outbound handler that sends each request to the simulator serving its origin (the hosts the SDKs
 * call by default, `Simulator.origins`), as msw does for the Node tests; anything else is refused
 * with 599, so a request to an unexpected host fails the test rather than leave the machine.
 */
export function simulatorOutbound(simulators: Simulator[], seen: string[] = []): (request: Request) => Promise<Response> {
  const byOrigin = new Map(simulators.flatMap((s) => s.origins.map((o) => [new URL(o).origin, s] as const)));
  return async (request) => {
    const url = new URL(request.url);
    seen.push(`${request.method} ${url.origin}${url.pathname}`);
    const simulator = byOrigin.get(url.origin);
    if (!simulator) return new Response(`no simulator serves ${url.origin}`, { status: 599 });
    return simulator.fetch(request);
  };
}

/**
 * The Cloudflare Workers entry point: the same app as src/node.ts (buildApp), on D1, with the config
 * read from the PORTCULLIS_CONFIG text binding and secrets from the Worker's bindings. The
 * composition root for Workers: every choice of part is made here.
 *
 * Notifications and SIEM push (HEC) run here too (src/worker-outbound.ts): one round from the Cron
 * Trigger (`scheduled`) and, at most once per poll interval, after a request (ctx.waitUntil).
 *
 * Not in this version (say so rather than half-do it):
 * - Connectors. Their SDKs and reconcile loops need a Durable Object per target; until then a config
 *   that lists connectors is refused with a 503 that says so. Syslog sinks are refused likewise.
 * - A `config.loaded` audit event: Node writes one per start, but a Worker starts an isolate per
 *   location and load spike, which would flood the log with identical events.
 *
 * workerd refuses to start a module whose exports are not handlers: export types only, besides default.
 */
import type { ExecutionContext } from 'hono';
import packageJson from '../package.json' with { type: 'json' };
import { buildApp } from './app.ts';
import { workerSourceAddress } from './http/source.ts';
import { checkConfigRules } from './config/rules.ts';
import { ConfigError, parseConfig } from './config/parse.ts';
import type { Config } from './config/schema.ts';
import { errorSummary } from './http/edge.ts';
import { ClientRegistry } from './http/clients.ts';
import { Problem, problemResponse } from './http/problem.ts';
import { createConsoleLogger } from './log/console.ts';
import { replayWindowMs } from './services.ts';
import { type Logger, systemClock } from './platform.ts';
import { type D1Like, D1Driver } from './store/d1/index.ts';
import { SqlStore } from './store/sql/store.ts';
import { type WorkerOutbound, buildWorkerOutbound } from './worker-outbound.ts';

/** Where the config comes from, as named in refusals and logs. */
const CONFIG_SOURCE = 'PORTCULLIS_CONFIG (Worker binding)';

/** Reported by /healthz and the OpenAPI document, as on Node (bundled at build time). */
const WORKER_VERSION: string = packageJson.version;

/** The bindings this Worker reads (wrangler.toml). Secrets referenced as `{ env: NAME }` are bindings too. */
export interface WorkerEnv {
  DB: D1Like;
  PORTCULLIS_CONFIG?: string;
  [binding: string]: unknown;
}

type Fetch = (request: Request, env: WorkerEnv, ctx: ExecutionContext) => Promise<Response>;

/** One isolate's app: the request handler and, when configured, the outbound round (notifications, SIEM). */
interface Built {
  fetch: Fetch;
  outbound?: WorkerOutbound;
}

/** How often an isolate prunes expired replay-guard and idempotency rows (Node runs the same on a timer). */
const PRUNE_EVERY_MS = 60_000;

/**
 * Checks the rules that hold on Workers, on top of the schema: no connectors yet (their SDKs and the
 * reconciler's timers need Node), and the shared rules of src/config/rules.ts (sandbox demo secret).
 */
function checkWorkerConfig(config: Config): void {
  if (config.connectors.length) {
    throw new ConfigError(CONFIG_SOURCE, [
      {
        path: 'connectors',
        message: `connectors are not available on Workers in this version (${config.connectors.map((c) => c.id).join(', ')}); run them on Node (npm start) or remove the block`,
      },
    ]);
  }
  checkConfigRules(config, CONFIG_SOURCE);
}

/** Builds the app for one isolate. Config problems surface as ConfigError (deterministic for a deployment). */
async function buildFetch(env: WorkerEnv): Promise<Built> {
  if (typeof env.PORTCULLIS_CONFIG !== 'string' || env.PORTCULLIS_CONFIG.trim() === '') {
    throw new ConfigError(CONFIG_SOURCE, [
      { path: '', message: 'the binding is missing or empty; set [vars] PORTCULLIS_CONFIG to the YAML config' },
    ]);
  }
  if (!env.DB || typeof env.DB.prepare !== 'function') {
    throw new ConfigError(CONFIG_SOURCE, [
      { path: '', message: 'the D1 binding DB is missing; declare [[d1_databases]] binding = "DB" in wrangler.toml' },
    ]);
  }
  const config = parseConfig(env.PORTCULLIS_CONFIG, CONFIG_SOURCE);
  checkWorkerConfig(config);
  const log = createConsoleLogger({ level: config.log.level });
  let clients: ClientRegistry;
  const secrets = { env: (name: string) => (typeof env[name] === 'string' ? (env[name] as string) : undefined) };
  try {
    clients = await ClientRegistry.build(config.clients, secrets);
  } catch (error) {
    throw new ConfigError(CONFIG_SOURCE, [{ path: 'clients', message: (error as Error).message }]);
  }
  const clock = systemClock;
  const driver = new D1Driver(env.DB);
  const store = new SqlStore(driver, () => clock.now());
  const outbound = await buildWorkerOutbound({ config, source: CONFIG_SOURCE, secrets, store, driver, clock, log, version: WORKER_VERSION });
  const settings = {
    toleranceSeconds: config.signature.toleranceSeconds,
    bodyBytes: config.limits.bodyBytes,
    idempotencyTtlMs: config.idempotency.retentionHours * 3_600_000,
    inFlightLockMs: config.idempotency.inFlightLockSeconds * 1000,
    refusalsPerMinute: config.limits.refusalsPerMinute,
  };
  const { app } = buildApp({ store, clients, clock, log, version: WORKER_VERSION, settings, sourceAddress: workerSourceAddress });

  // Expired rows are pruned beside requests, after the response (waitUntil); so is an outbound round,
  // at most once per poll interval (the Cron Trigger runs one every minute even without traffic).
  let lastPrune = Number.NEGATIVE_INFINITY;
  let lastOutbound = Number.NEGATIVE_INFINITY;
  const handle: Fetch = async (request, workerEnv, ctx) => {
    const now = clock.now();
    if (now - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = now;
      ctx.waitUntil(
        store.prune(now, replayWindowMs(settings)).catch((error: unknown) => log.error({ err: errorSummary(error) }, 'prune failed')),
      );
    }
    // The app reads its services, not the Worker env; Hono still gets both for c.env / c.executionCtx.
    const response = await app.fetch(request, workerEnv, ctx);
    if (outbound && now - lastOutbound >= outbound.pollIntervalMs) {
      lastOutbound = now;
      ctx.waitUntil(outbound.drain());
    }
    return response;
  };
  return { fetch: handle, ...(outbound ? { outbound } : {}) };
}

/** Answers every request while the config is unusable: 503, naming the problem (never a secret value). */
function configProblemResponse(_error: ConfigError, request: Request): Response {
  // The details (key paths, client ids, binding names) go to the Worker logs only: callers are not
  // authenticated yet and must learn nothing about the configuration.
  const problem = new Problem('unavailable', 'the service configuration is invalid; the Worker logs name each problem');
  return problemResponse(problem, `req_${crypto.randomUUID()}`, new URL(request.url).pathname);
}

/**
 * One app per isolate, built on the first request. A ConfigError stays cached (the config is fixed for
 * a deployment, so retrying cannot help); any other failure is dropped so the next request retries.
 */
let built: Promise<Built> | undefined;
const bootLog: Logger = createConsoleLogger();

function appFor(env: WorkerEnv): Promise<Built> {
  if (!built) {
    built = buildFetch(env);
    built.catch((error: unknown) => {
      if (error instanceof ConfigError) {
        bootLog.error({ config: error.file, problems: error.problems }, 'invalid configuration; answering 503');
      } else {
        built = undefined;
        bootLog.error({ error: errorSummary(error) }, 'could not start; will retry on the next request');
      }
    });
  }
  return built;
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let app: Built;
    try {
      app = await appFor(env);
    } catch (error) {
      if (error instanceof ConfigError) return configProblemResponse(error, request);
      const problem = new Problem('unavailable', 'the service could not start; the Worker logs name the cause');
      return problemResponse(problem, `req_${crypto.randomUUID()}`, new URL(request.url).pathname);
    }
    return app.fetch(request, env, ctx);
  },

  /** The Cron Trigger (wrangler.toml [triggers]): one outbound round, kept alive by waitUntil. */
  async scheduled(_controller: unknown, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    // A config problem is logged by appFor (and answered 503 to requests); nothing to send then.
    const app = await appFor(env).catch(() => undefined);
    if (app?.outbound) ctx.waitUntil(app.outbound.drain());
  },
};

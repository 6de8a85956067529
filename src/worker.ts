/**
 * The Cloudflare Workers entry point: the same app as src/node.ts (buildApp), on D1, with the config
 * read from the PORTCULLIS_CONFIG text binding and secrets from the Worker's bindings. The
 * composition root for Workers: every choice of part is made here and in src/worker/.
 *
 * - Connectors, playbooks and Cedar policies: built by src/worker/core.ts with Node's own code (the
 *   playbooks folder is bundled at build time, bin/worker-files.mjs).
 * - Reconciling: one Durable Object per target (TargetReconciler, src/worker/target.ts). Routes
 *   commit intents to D1, then poke the target's object (src/worker/scheduler.ts); its alarm fires
 *   at the next expiry and the drift interval. The Cron Trigger sweeps for pending work.
 * - Notifications and SIEM push (HEC, src/worker-outbound.ts): one round from the Cron Trigger
 *   (`scheduled`) and, at most once per poll interval, after a request (ctx.waitUntil).
 *
 * Not in this version (say so rather than half-do it): a `config.loaded` audit event (a Worker starts
 * an isolate per location and load spike, which would flood the log with identical events); /metrics;
 * flow-log traffic for cleanup kinds unused and narrow; signed audit checkpoints from the Cron.
 *
 * workerd refuses to start a module whose exports are not handlers: export types and the Durable
 * Object class only, besides default.
 */
import type { ExecutionContext } from 'hono';
import packageJson from '../package.json' with { type: 'json' };
import { buildApp } from './app.ts';
import { workerSourceAddress } from './http/source.ts';
import { ConfigError } from './config/parse.ts';
import { errorSummary } from './http/edge.ts';
import { Problem, problemResponse } from './http/problem.ts';
import { createConsoleLogger } from './log/console.ts';
import { type Services, replayWindowMs } from './services.ts';
import type { Logger } from './platform.ts';
import { type WorkerOutbound, buildWorkerOutbound } from './worker-outbound.ts';
import { CONFIG_SOURCE, type WorkerEnv, buildWorkerCore } from './worker/core.ts';
import { DurableObjectScheduler, requestContext } from './worker/scheduler.ts';

export type { WorkerEnv } from './worker/core.ts';
export { TargetReconciler } from './worker/target.ts';

/** Reported by /healthz and the OpenAPI document, as on Node (bundled at build time). */
const WORKER_VERSION: string = packageJson.version;

type Fetch = (request: Request, env: WorkerEnv, ctx: ExecutionContext) => Promise<Response>;

/** One isolate's app: the request handler, the Cron round and, when configured, the outbound round. */
interface Built {
  fetch: Fetch;
  /** The Cron Trigger's work: prune, sweep the targets, one outbound round. */
  scheduled(ctx: ExecutionContext): void;
}

/** How often an isolate prunes expired replay-guard and idempotency rows (Node runs the same on a timer). */
const PRUNE_EVERY_MS = 60_000;

/** Builds the app for one isolate. Config problems surface as ConfigError (deterministic for a deployment). */
async function buildFetch(env: WorkerEnv): Promise<Built> {
  const core = await buildWorkerCore(env);
  const { config, store, driver, clock, log, secrets, clients, connectors, catalog, playbooks, policy } = core;
  const outbound: WorkerOutbound | undefined = await buildWorkerOutbound({ config, source: CONFIG_SOURCE, secrets, store, driver, clock, log, version: WORKER_VERSION });
  const settings = {
    toleranceSeconds: config.signature.toleranceSeconds,
    bodyBytes: config.limits.bodyBytes,
    idempotencyTtlMs: config.idempotency.retentionHours * 3_600_000,
    inFlightLockMs: config.idempotency.inFlightLockSeconds * 1000,
    refusalsPerMinute: config.limits.refusalsPerMinute,
  };
  const scheduler = env.TARGETS && connectors.size ? new DurableObjectScheduler({ namespace: env.TARGETS, store, connectors, clock, log }) : undefined;
  const services: Services = { store, clients, clock, log, version: WORKER_VERSION, settings, sourceAddress: workerSourceAddress };
  if (scheduler) {
    services.runtime = {
      playbooks,
      connectors,
      catalog,
      tiers: config.tiers,
      reconciler: scheduler,
      approvalTtlMs: config.approvals.expireAfterHours * 3_600_000,
      ...(policy ? { policy } : {}),
    };
  }
  const { app } = buildApp(services);

  const prune = () => store.prune(clock.now(), replayWindowMs(settings)).catch((error: unknown) => log.error({ err: errorSummary(error) }, 'prune failed'));
  // Expired rows are pruned beside requests, after the response (waitUntil); so is an outbound round,
  // at most once per poll interval (the Cron Trigger runs one every minute even without traffic).
  let lastPrune = Number.NEGATIVE_INFINITY;
  let lastOutbound = Number.NEGATIVE_INFINITY;
  const handle: Fetch = async (request, workerEnv, ctx) => {
    const now = clock.now();
    if (now - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = now;
      ctx.waitUntil(prune());
    }
    // The app reads its services, not the Worker env; Hono still gets both for c.env / c.executionCtx.
    // Pokes of target objects made while handling it outlive the response (requestContext → waitUntil).
    const response = await requestContext.run(ctx, () => app.fetch(request, workerEnv, ctx));
    if (outbound && now - lastOutbound >= outbound.pollIntervalMs) {
      lastOutbound = now;
      ctx.waitUntil(outbound.drain());
    }
    return response;
  };
  return {
    fetch: handle,
    scheduled(ctx) {
      ctx.waitUntil(prune());
      if (outbound) ctx.waitUntil(outbound.drain());
      if (scheduler) {
        ctx.waitUntil(
          scheduler
            .sweep(store, connectors, clock.now())
            .then((swept) => log.info(swept, 'cron sweep poked the targets'))
            .catch((error: unknown) => log.error({ err: errorSummary(error) }, 'cron sweep failed')),
        );
      }
    },
  };
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

  /**
   * The Cron Trigger (wrangler.toml [triggers]): prune, sweep the targets for pending work and due
   * expiries (poking their objects), one outbound round; all kept alive by waitUntil.
   */
  async scheduled(_controller: unknown, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    // A config problem is logged by appFor (and answered 503 to requests); nothing to do then.
    const app = await appFor(env).catch(() => undefined);
    app?.scheduled(ctx);
  },
};

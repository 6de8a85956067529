/**
 * The Node entry point: @hono/node-server, SQLite under the data directory, pino, timers.
 * The composition root for Node: every real-or-simulated choice is made here.
 */
import { readFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import type { DestinationStream } from 'pino';
import { connectorRegistry } from '../connectors/index.ts';
import { buildApp } from './app.ts';
import { sha256Hex } from './audit/chain.ts';
import { loadConfig, nodeSecretSource } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { ClientRegistry } from './http/clients.ts';
import { createPinoLogger } from './log/pino.ts';
import { type Clock, type Services, replayWindowMs, systemClock } from './services.ts';
import { createSqliteStore } from './store/sqlite/index.ts';
import { buildConnectors } from './connectors/build.ts';
import { loadPlaybooks } from './playbooks/load.ts';
import { Reconciler } from './reconcile/reconciler.ts';
import { type RunningSimulators, startSimulators } from './sandbox/simulators.ts';
import type { SimulatorOptions } from './connectors/simulator.ts';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface NodeServerOptions {
  configPath: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides for tests: a port (0 = ephemeral), a log destination, a clock. */
  port?: number;
  logDestination?: DestinationStream;
  clock?: Clock;
  /** Options for the sandbox simulators (latency, write-rate limits...). */
  simulatorOptions?: SimulatorOptions;
}

export interface RunningServer {
  url: string;
  config: Config;
  services: Services;
  simulators: RunningSimulators;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startNodeServer(options: NodeServerOptions): Promise<RunningServer> {
  const env = options.env ?? process.env;
  const { config, text } = loadConfig(options.configPath, connectorRegistry);
  const log = createPinoLogger(config.log.level, options.logDestination);
  const clock = options.clock ?? systemClock;

  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const sqlite = createSqliteStore(join(dataDir, 'portcullis.db'), () => clock.now());
  const secrets = nodeSecretSource(env);
  const clients = await ClientRegistry.build(config.clients, secrets);
  const simulators = await startSimulators(config, connectorRegistry, { ...options.simulatorOptions, clock });
  const { connectors, catalog } = buildConnectors(config, connectorRegistry, {
    clock,
    log,
    secrets,
    endpoints: simulators.endpoints,
  });
  const playbooks = loadPlaybooks(resolve(config.playbooksDir), catalog);
  const reconciler = new Reconciler({ store: sqlite.store, connectors, clock, log });

  const services: Services = {
    store: sqlite.store,
    clients,
    clock,
    log,
    version: VERSION,
    settings: {
      toleranceSeconds: config.signature.toleranceSeconds,
      bodyBytes: config.limits.bodyBytes,
      idempotencyTtlMs: config.idempotency.retentionHours * 3_600_000,
      inFlightLockMs: config.idempotency.inFlightLockSeconds * 1000,
    },
    runtime: { playbooks, catalog, tiers: config.tiers, reconciler, approvalTtlMs: config.approvals.expireAfterHours * 3_600_000 },
  };
  const { app } = buildApp(services);

  await services.store.commit({
    audit: [
      {
        action: 'config.loaded',
        outcome: 'success',
        detail: {
          file: options.configPath,
          sha256: await sha256Hex(text),
          sandbox: config.sandbox,
          clients: config.clients.map((c) => ({ id: c.id, scopes: c.scopes })),
          connectors: config.connectors.map((c) => ({ id: c.id, type: c.type, simulator: c.simulator })),
          playbooks: [...playbooks.keys()],
        },
      },
    ],
  });

  const host = config.listen.host;
  if (!LOOPBACK.has(host)) {
    log.warn({ host }, 'listening beyond loopback: put TLS and a firewall in front of this port');
  }
  const port = options.port ?? config.listen.port;
  const server = await new Promise<ReturnType<typeof serve>>((resolveServer, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolveServer(s));
    s.once('error', reject);
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;

  const window = replayWindowMs(services.settings);
  const pruneTimer = setInterval(() => {
    services.store.prune(clock.now(), window).catch((error: unknown) => log.error({ err: String(error) }, 'prune failed'));
  }, 60_000);
  pruneTimer.unref();

  // Expiry: a timer armed for the next expiry (re-armed after each sweep and every minute at most).
  let expiryTimer: NodeJS.Timeout | undefined;
  const armExpiry = async () => {
    clearTimeout(expiryTimer);
    const next = await services.store.nextExpiry();
    const delay = next === undefined ? 60_000 : Math.max(0, Math.min(60_000, next - clock.now()));
    expiryTimer = setTimeout(() => {
      reconciler.sweepExpiries().catch((e: unknown) => log.error({ err: String(e) }, 'expiry sweep failed')).finally(armExpiry);
    }, delay);
    expiryTimer.unref();
  };
  const driftTimer = setInterval(() => {
    reconciler.healAll().catch((e: unknown) => log.error({ err: String(e) }, 'drift pass failed'));
  }, config.reconcile.driftIntervalSeconds * 1000);
  driftTimer.unref();
  // Finish interrupted work: every target with pending intents, and expiries missed while down.
  reconciler.resume().catch((e: unknown) => log.error({ err: String(e) }, 'resume failed'));
  void armExpiry();

  log.info({ url, sandbox: config.sandbox, data: dataDir }, 'portcullis listening');
  return {
    url,
    config,
    services,
    simulators,
    async close() {
      clearInterval(pruneTimer);
      clearInterval(driftTimer);
      clearTimeout(expiryTimer);
      await new Promise<void>((r) => server.close(() => r()));
      await reconciler.idle();
      await simulators.close();
      sqlite.close();
    },
  };
}

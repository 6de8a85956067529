/**
 * Builds the Node services from a parsed config: SQLite store, clients, connectors, playbooks,
 * reconciler and app. Shared by `portcullis serve` and the in-process end-to-end tests, so the
 * tests exercise exactly what the server runs.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildApp } from './app.ts';
import type { App } from './http/route.ts';
import { nodeSourceAddress } from './http/source.ts';
import { sha256Hex } from './audit/chain.ts';
import type { AuditRuntime } from './audit/runtime.ts';
import type { Config } from './config/schema.ts';
import type { SecretSource } from './config/secret.ts';
import { buildConnectors } from './connectors/build.ts';
import type { ConnectorRegistry } from './connectors/registry.ts';
import type { Connector } from './connectors/types.ts';
import { type OperatorConsole, createOperatorConsole } from './console/index.ts';
import { resolveSecret } from './config/secret.ts';
import { lookup } from 'node:dns/promises';
import { swaggerUiAssets } from './docs/swagger-ui.ts';
import { registerNotifications } from './http/routes/notifications.ts';
import { buildNotifier } from './notify/build.ts';
import type { Notifier } from './notify/index.ts';
import { Outbox } from './notify/outbox.ts';
import { buildSiemExporter } from './siem/build.ts';
import { syslogSink } from './siem/syslog.ts';
import { guardedPost } from './net/guarded-http.ts';
import { capacityUse } from './notify/capacity.ts';
import type { Resolve } from './notify/ssrf.ts';
import type { SiemExporter } from './siem/index.ts';
import { ClientRegistry } from './http/clients.ts';
import { instrumentConnector, instrumentStore } from './metrics/instrument.ts';
import { ServiceMetrics } from './metrics/registry.ts';
import { metricsRoutes } from './metrics/route.ts';
import { loadPlaybooks } from './playbooks/load.ts';
import { checkPlaybookCapabilities } from './playbooks/capabilities.ts';
import { configuredTraffic } from './flowlogs/server-source.ts';
import { loadApprovalPolicy } from './policy/index.ts';
import { Reconciler } from './reconcile/reconciler.ts';
import { PlacementChains } from './reconcile/chains.ts';
import { expandTargets } from './runs/planner.ts';
import { ReplicaLeases } from './reconcile/leases.ts';
import { SqlLeaseStore } from './store/sql/leases.ts';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Services } from './services.ts';
import { type Clock, type Logger, systemClock } from './platform.ts';
import { createSqliteStore } from './store/sqlite/index.ts';
import { createPostgresStore } from './store/postgres/index.ts';
import type { SqlStore } from './store/sql/store.ts';
import type { SqlDriver } from './store/sql/driver.ts';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface ComposeOptions {
  config: Config;
  configText: string;
  configPath: string;
  secrets: SecretSource;
  clock: Clock;
  log: Logger;
  /** SDK endpoint overrides per connector id (the sandbox's loopback simulators). */
  endpoints?: Map<string, string>;
  /** The connector types the config names (connectors/index.ts loadConnectorRegistry). */
  registry: ConnectorRegistry;
  /** Resolves outbound host names at start and at every connect (default: the system resolver). */
  resolve?: Resolve;
  /** The audit checkpoint signer and its companions (src/audit/runtime.ts loadAuditRuntime). */
  audit?: AuditRuntime;
}

export interface Composed {
  services: Services;
  app: App;
  reconciler: Reconciler;
  /** This replica's leases (targets, cluster tasks) on the shared database. */
  leases: ReplicaLeases;
  connectors: Map<string, Connector>;
  /** The store's connection (SQLite file or PostgreSQL pool; the name predates PostgreSQL): close it last. */
  sqlite: { close(): void | Promise<void> };
  /** The operator console, when `console:` is configured; the entry point configures its endpoint once listening. */
  console?: OperatorConsole;
  metrics: ServiceMetrics;
  /** Started by the entry point once it listens (absent without `notifications:`). */
  notifier?: Notifier;
  /** Started by the entry point once it listens (absent without `siem:`). */
  siem?: SiemExporter;
}

/** The configured store: PostgreSQL when `store.postgres` is set, else SQLite under the data directory. */
async function openStore(
  config: Config,
  secrets: SecretSource,
  dataDir: string,
  clock: Clock,
  log: Logger,
): Promise<{ store: SqlStore; driver: SqlDriver; close(): void | Promise<void> }> {
  const postgres = config.store?.postgres;
  if (!postgres) return createSqliteStore(join(dataDir, 'portcullis.db'), () => clock.now());
  return createPostgresStore({
    url: resolveSecret(postgres.url, secrets),
    poolSize: postgres.poolSize,
    connectTimeoutMs: postgres.connectTimeoutSeconds * 1000,
    now: () => clock.now(),
    onIdleError: (error) => log.warn({ error: error.message }, 'a PostgreSQL connection was lost; the pool opens another when needed'),
  });
}

/** Every address a host name resolves to (the SSRF check looks at all of them). */
const resolveAll = async (host: string): Promise<string[]> => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export async function composeServices(o: ComposeOptions): Promise<Composed> {
  const { config, clock, log } = o;
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const sqlite = await openStore(config, o.secrets, dataDir, clock, log);
  const clients = await ClientRegistry.build(config.clients, o.secrets);
  const built = buildConnectors(config, o.registry, {
    clock,
    log,
    secrets: o.secrets,
    ...(o.endpoints ? { endpoints: o.endpoints } : {}),
  });
  const { catalog } = built;
  // Metrics are fed by the audit events each commit appends, and by the start of each target listing.
  const metrics = new ServiceMetrics({
    store: sqlite.store,
    connectors: built.connectors,
    now: () => clock.now(),
    notificationCounts: () => services.notifications?.outbox.counts(),
    exportCursors: () => services.exports?.cursors(),
  });
  const store = instrumentStore(sqlite.store, metrics);
  const connectors = new Map([...built.connectors].map(([id, c]) => [id, instrumentConnector(c, metrics, () => clock.now())]));
  const playbooks = loadPlaybooks(resolve(config.playbooksDir), catalog);
  checkPlaybookCapabilities(playbooks, built.connectors, resolve(config.playbooksDir));
  // Policies (playbooks/policies/) are validated here: a bad one stops start-up with the file and error.
  const policy = loadApprovalPolicy(resolve(config.playbooksDir), config.tiers, playbooks);
  // Lease times are wall time compared across replicas, so they use the system clock, never a test's
  // fake service clock; the owner id is unique per process.
  const leases = new ReplicaLeases({
    store: new SqlLeaseStore(sqlite.driver),
    clock: systemClock,
    log,
    owner: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    ttlMs: config.reconcile.leaseTtlSeconds * 1000,
  });
  // Placement chains (config checked in src/config/chains.ts); the playbooks they name are checked here.
  const chains = new PlacementChains(config.placementChains);
  chains.checkPlaybooks(playbooks, resolve(config.playbooksDir), (p) => expandTargets(p.targets, catalog));
  const reconciler = new Reconciler({ store, connectors, clock, log, leases, ...(chains.size ? { chains } : {}) });
  const services: Services = {
    store,
    clients,
    clock,
    log,
    version: VERSION,
    settings: {
      toleranceSeconds: config.signature.toleranceSeconds,
      bodyBytes: config.limits.bodyBytes,
      idempotencyTtlMs: config.idempotency.retentionHours * 3_600_000,
      inFlightLockMs: config.idempotency.inFlightLockSeconds * 1000,
      refusalsPerMinute: config.limits.refusalsPerMinute,
    },
    sourceAddress: nodeSourceAddress,
    replica: leases,
    runtime: {
      playbooks,
      connectors,
      ...(policy ? { policy } : {}),
      catalog,
      tiers: config.tiers,
      reconciler,
      approvalTtlMs: config.approvals.expireAfterHours * 3_600_000,
      traffic: configuredTraffic(config.flowLogs, resolve('.'), connectors),
      ...(chains.size ? { chains } : {}),
    },
    apiReference: swaggerUiAssets(),
    ...(o.audit ? { audit: o.audit } : {}),
  };
  const operatorConsole = config.console
    ? createOperatorConsole(config.console, {
        clock,
        sessions: sqlite.store.sessions,
        ...(config.console.oidc.clientSecret ? { clientSecret: resolveSecret(config.console.oidc.clientSecret, o.secrets) } : {}),
      })
    : undefined;
  if (operatorConsole) services.console = operatorConsole.auth;
  const outbox = new Outbox(sqlite.driver);
  services.exports = { cursors: () => outbox.cursors() };
  const notifier = config.notifications
    ? await buildNotifier({
        config: config.notifications,
        sandbox: config.sandbox,
        secrets: o.secrets,
        store: sqlite.store,
        driver: sqlite.driver,
        clock,
        log,
        resolve: o.resolve ?? resolveAll,
        transport: (policy) => guardedPost(policy),
        capacity: () => capacityUse(store, connectors),
        verifier: () => services.audit?.signer?.verifier,
      })
    : undefined;
  const siem = config.siem
    ? await buildSiemExporter({
        config: config.siem,
        sandbox: config.sandbox,
        secrets: o.secrets,
        store: sqlite.store,
        driver: sqlite.driver,
        clock,
        log,
        resolve: o.resolve ?? resolveAll,
        version: VERSION,
        runtime: {
          name: 'on Node',
          transport: (policy, t) => guardedPost(policy, t),
          readCa: (path) => readFileSync(path, 'utf8'),
          syslog: (sink, t) => syslogSink(sink, t),
        },
      })
    : undefined;
  if (notifier) services.notifications = { outbox: notifier.outbox, kick: () => notifier.kick() };
  const { app } = buildApp(services, [registerNotifications, metricsRoutes(metrics), ...(operatorConsole ? [operatorConsole.module] : [])]);
  await services.store.commit({
    audit: [
      {
        action: 'config.loaded',
        outcome: 'success',
        detail: {
          file: o.configPath,
          sha256: await sha256Hex(o.configText),
          sandbox: config.sandbox,
          clients: config.clients.map((c) => ({ id: c.id, scopes: c.scopes })),
          connectors: config.connectors.map((c) => ({ id: c.id, type: c.type, simulator: c.simulator })),
          playbooks: [...playbooks.keys()],
        },
      },
    ],
  });
  return {
    services,
    app,
    reconciler,
    leases,
    connectors,
    sqlite,
    metrics,
    ...(notifier ? { notifier } : {}),
    ...(siem ? { siem } : {}),
    ...(operatorConsole ? { console: operatorConsole } : {}),
  };
}

/**
 * The Node entry point: @hono/node-server, SQLite under the data directory, pino, timers.
 * The composition root for Node: every real-or-simulated choice is made here.
 */
import { serve } from '@hono/node-server';
import { loadAuditRuntime } from './audit/runtime.ts';
import { startAuditTasks } from './audit/tasks.ts';
import { refuseUnparsed } from './http/parser-refusal.ts';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CHECKPOINT_FILE, fileCheckpointLog } from './audit/checkpoint-file.ts';
import { sandboxSigningKey } from './audit/sandbox-key.ts';
import type { DestinationStream } from 'pino';
import { loadConnectorRegistry } from '../connectors/index.ts';
import { type ConfigOverrides, loadConfig, nodeSecretSource } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { createPinoLogger } from './log/pino.ts';
import { type Services, replayWindowMs } from './services.ts';
import { type Clock, systemClock } from './platform.ts';
import { VERSION, composeServices } from './compose.ts';
import { CLUSTER_LEASE, replicaLease } from './reconcile/leases.ts';
import { nodeCryptoProvider } from './crypto/node.ts';
import { useCryptoProvider } from './crypto/provider.ts';

export { VERSION };
import { type RunningIdp, startSandboxIdp } from './sandbox/idp.ts';
import { type RunningSimulators, startSimulators } from './sandbox/simulators.ts';
import type { SimulatorOptions } from './connectors/simulator.ts';


export interface NodeServerOptions {
  configPath: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides for tests: a port (0 = ephemeral), a log destination, a clock. */
  port?: number;
  logDestination?: DestinationStream;
  clock?: Clock;
  /** Listen address and data directory over the config file's (`serve --host/--port/--data-dir`). */
  overrides?: ConfigOverrides;
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
  useCryptoProvider(nodeCryptoProvider);
  const env = options.env ?? process.env;
  const { config, text, registry } = await loadConfig(options.configPath, loadConnectorRegistry, options.overrides);
  const log = createPinoLogger(config.log.level, options.logDestination);
  const clock = options.clock ?? systemClock;

  const simulators = await startSimulators(config, registry, { ...options.simulatorOptions, clock });
  // The checkpoint signer, composed into the services (so it is there before the first request).
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const sandboxKey = config.sandbox && !config.audit?.signingKey ? sandboxSigningKey(dataDir) : undefined;
  const audit = await loadAuditRuntime({
    config: config.audit,
    secrets: nodeSecretSource(env),
    connectors: config.connectors,
    checkpointLog: fileCheckpointLog(join(dataDir, CHECKPOINT_FILE)),
    ...(sandboxKey ? { signingKeyText: sandboxKey.privatePem } : {}),
  });
  const composed = await composeServices({
    config,
    configText: text,
    configPath: options.configPath,
    secrets: nodeSecretSource(env),
    clock,
    log,
    endpoints: simulators.endpoints,
    registry,
    audit,
  });
  const { services, app, reconciler, sqlite, notifier, siem, leases } = composed;
  // Replicas on one database: this one announces itself, and takes the cluster lease if it is free.
  await leases.claim(replicaLease(leases.owner));
  await leases.claim(CLUSTER_LEASE);
  const clusterTasks = () => leases.holds(CLUSTER_LEASE);
  // One server per SQLite data directory: an in-flight idempotency record already there belongs to a
  // process that died mid-request, so a redelivery of that call is run now, not refused until its lock
  // expires. On PostgreSQL, shared by replicas, the store leaves them to their locks (a live peer's).
  {
    const released = await services.store.releaseInFlight(clock.now());
    if (released > 0) log.warn({ released }, 'released in-flight idempotency records left by a previous process');
  }
  // Periodic checkpoints and retention, with the signer the services were composed with.
  const auditTasks = await startAuditTasks({ services, config: config.audit, when: clusterTasks });
  if (sandboxKey && auditTasks.signer) {
    log.info(
      { key_id: auditTasks.signer.keyId, created: sandboxKey.created, private_key_file: sandboxKey.path, public_key_file: sandboxKey.publicPath, public_key: sandboxKey.publicPem },
      `sandbox audit checkpoints are signed with key ${auditTasks.signer.keyId} (${sandboxKey.created ? 'created' : 'reused'}); verify offline with --public-key ${sandboxKey.publicPath}`,
    );
  }

  const host = config.listen.host;
  if (!LOOPBACK.has(host)) {
    log.warn({ host }, 'listening beyond loopback: put TLS and a firewall in front of this port');
  }
  const port = options.port ?? config.listen.port;
  const server = await new Promise<ReturnType<typeof serve>>((resolveServer, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolveServer(s));
    s.once('error', reject);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: import('node:net').Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    refuseUnparsed(services, error.code, socket.remoteAddress, (raw) => socket.end(raw)).catch((e: unknown) =>
      log.error({ error: String(e) }, 'could not audit a refusal of the HTTP parser'),
    );
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;

  // The console's identity provider: the sandbox's own on loopback, or the configured issuer.
  let idp: RunningIdp | undefined;
  if (config.console && composed.console) {
    const publicUrl = (config.console.publicUrl ?? url).replace(/\/+$/, '');
    if (config.console.oidc.issuer === 'sandbox') idp = await startSandboxIdp(config.console, `${publicUrl}/console/callback`);
    composed.console.configure({ issuer: idp?.issuer ?? config.console.oidc.issuer, publicUrl });
  }

  const window = replayWindowMs(services.settings);
  const pruneTimer = setInterval(() => {
    if (!clusterTasks()) return;
    services.store.prune(clock.now(), window).catch((error: unknown) => log.error({ error: String(error) }, 'prune failed'));
  }, 60_000);
  pruneTimer.unref();

  // Expiry: a timer armed for the next expiry (re-armed after each sweep and every minute at most).
  let expiryTimer: NodeJS.Timeout | undefined;
  const armExpiry = async () => {
    clearTimeout(expiryTimer);
    const next = await services.store.nextExpiry();
    const delay = next === undefined ? 60_000 : Math.max(0, Math.min(60_000, next - clock.now()));
    expiryTimer = setTimeout(() => {
      // One replica sweeps (the cluster lease's holder); the targets' holders pick up the retractions.
      if (!clusterTasks()) {
        expiryTimer = setTimeout(() => void armExpiry(), 5_000);
        expiryTimer.unref();
        return;
      }
      reconciler.sweepExpiries().catch((e: unknown) => log.error({ error: String(e) }, 'expiry sweep failed')).finally(armExpiry);
    }, delay);
    expiryTimer.unref();
  };
  const driftTimer = setInterval(() => {
    reconciler.healAll().catch((e: unknown) => log.error({ error: String(e) }, 'drift pass failed'));
  }, config.reconcile.driftIntervalSeconds * 1000);
  driftTimer.unref();
  // The heartbeat renews this replica's leases (and takes the cluster lease when it is free); the
  // hand-over poll runs passes for pending work on targets whose lease is free or ours, which is how
  // a call accepted by another replica, or a dead replica's target, reaches the one reconciling it.
  const heartbeat = setInterval(() => {
    void leases.renewAll().then(() => leases.claim(CLUSTER_LEASE)).then(() => leases.claim(replicaLease(leases.owner)));
  }, Math.max(500, Math.floor(leases.ttlMs / 3)));
  heartbeat.unref();
  const handover = setInterval(() => {
    reconciler.adoptPending().catch((e: unknown) => log.warn({ error: String(e) }, 'hand-over poll failed'));
  }, config.reconcile.handoverPollMs);
  handover.unref();
  // Finish interrupted work: every target with pending intents, and expiries missed while down.
  reconciler.resume().catch((e: unknown) => log.error({ error: String(e) }, 'resume failed'));
  void armExpiry();

  // One replica delivers notifications and pushes to SIEMs for the cluster: the cluster lease's holder.
  notifier?.start({ when: clusterTasks });
  siem?.start({ when: clusterTasks });
  log.info({ url, sandbox: config.sandbox, data: config.dataDir }, 'portcullis listening');
  return {
    url,
    config,
    services,
    simulators,
    async close() {
      clearInterval(pruneTimer);
      auditTasks.stop();
      clearInterval(driftTimer);
      clearTimeout(expiryTimer);
      clearInterval(handover);
      clearInterval(heartbeat);
      await new Promise<void>((r) => server.close(() => r()));
      await notifier?.stop();
      await siem?.stop();
      // Summaries of refusal windows still open (src/http/refusals.ts).
      const summaries = services.refusals?.drain(clock.now(), true) ?? [];
      if (summaries.length) await services.store.commit({ audit: summaries }).catch(() => undefined);
      // Intents are durable and resumed on start: wait for passes in flight, but not past 3 s.
      await Promise.race([reconciler.idle(), new Promise((r) => setTimeout(r, 3_000).unref())]);
      // A clean stop hands this replica's targets and cluster tasks over at once, not after the TTL.
      await leases.releaseAll();
      await simulators.close();
      await idp?.close();
      await sqlite.close();
    },
  };
}

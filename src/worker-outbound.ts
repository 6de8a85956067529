/**
 * Notifications and SIEM push on Workers: the same Notifier and SiemExporter as on Node, over D1,
 * delivering with fetch (src/notify/transport.ts). Workers have no timers that outlive a request, so
 * the entry point runs one round (`drain`) from its Cron Trigger (`scheduled`) and, at most once per
 * poll interval, after a request (ctx.waitUntil). Not here: syslog sinks (no TCP/TLS client wired on
 * Workers in this version) and caFile (no file system): both refused at start, naming the sink.
 * Host names are resolved with DNS over HTTPS for the address check before every delivery.
 */
import type { Config } from './config/schema.ts';
import type { SecretSource } from './config/secret.ts';
import { ConfigError } from './config/parse.ts';
import { buildNotifier } from './notify/build.ts';
import { DestinationRefused } from './notify/ssrf.ts';
import { dohResolver, fetchPost } from './notify/transport.ts';
import type { Notifier } from './notify/index.ts';
import { buildSiemExporter } from './siem/build.ts';
import type { SiemExporter } from './siem/index.ts';
import type { Clock, Logger } from './platform.ts';
import type { SqlDriver } from './store/sql/driver.ts';
import type { Store } from './store/types.ts';

/** The resolver the address checks use on Workers (Cloudflare's DNS over HTTPS, JSON API). */
export const WORKER_DOH_ENDPOINT = 'https://cloudflare-dns.com/dns-query';

export interface WorkerOutbound {
  notifier?: Notifier;
  siem?: SiemExporter;
  /** The shortest poll interval configured: how often a request may trigger a round. */
  pollIntervalMs: number;
  /** One round of everything: new audit events into the outbox, due deliveries sent, every SIEM sink drained. */
  drain(): Promise<void>;
}

export async function buildWorkerOutbound(o: {
  config: Config;
  source: string;
  secrets: SecretSource;
  store: Store;
  driver: SqlDriver;
  clock: Clock;
  log: Logger;
  version: string;
}): Promise<WorkerOutbound | undefined> {
  const { config } = o;
  if (!config.notifications && !config.siem) return undefined;
  const resolve = dohResolver(WORKER_DOH_ENDPOINT);
  const common = { sandbox: config.sandbox, secrets: o.secrets, store: o.store, driver: o.driver, clock: o.clock, log: o.log, resolve };
  let notifier: Notifier | undefined;
  let siem: SiemExporter | undefined;
  try {
    if (config.notifications) notifier = await buildNotifier({ ...common, config: config.notifications, transport: (policy) => fetchPost(policy) });
    if (config.siem) {
      siem = await buildSiemExporter({ ...common, config: config.siem, version: o.version, runtime: { name: 'on Workers', transport: (policy) => fetchPost(policy) } });
    }
  } catch (error) {
    if (!(error instanceof DestinationRefused) && !(error instanceof Error && error.name === 'SecretResolutionError')) throw error;
    const path = error.message.startsWith('siem') ? 'siem' : 'notifications';
    throw new ConfigError(o.source, [{ path, message: error.message }]);
  }
  let running: Promise<void> | undefined;
  const intervals = [config.notifications?.pollIntervalMs, config.siem?.pollIntervalMs].filter((n): n is number => n !== undefined);
  return {
    ...(notifier ? { notifier } : {}),
    ...(siem ? { siem } : {}),
    pollIntervalMs: Math.min(...intervals),
    drain() {
      // One round at a time per isolate (a Cron run and a request can overlap); across isolates the
      // contract is at least once: the same webhook-id / audit event id lets receivers drop repeats.
      running ??= (async () => {
        // A failing sink or receiver is retried next round from its durable state; one never blocks the other.
        const results = await Promise.allSettled([notifier?.tick(), siem?.drainAll()]);
        for (const r of results) if (r.status === 'rejected') o.log.warn({ error: String(r.reason) }, 'outbound round failed; retried on the next round');
      })().finally(() => {
        running = undefined;
      });
      return running;
    },
  };
}

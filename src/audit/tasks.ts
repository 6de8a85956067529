/**
 * The audit log's background work on a long-running runtime (src/node.ts), with the signer the services
 * were composed with (src/audit/runtime.ts): sign a checkpoint every interval, prune by age.
 * Runtime-free (global timers only); failures are logged and retried at the next tick.
 */
import type { Config } from '../config/schema.ts';
import type { Services } from '../services.ts';
import type { CheckpointSigner } from './checkpoint.ts';
import { checkpointHead, pruneAuditLog } from './checkpointer.ts';
import { auditRuntimeOf } from './runtime.ts';

const DAY_MS = 86_400_000;
/** Retention is checked hourly (and once shortly after start). */
const PRUNE_EVERY_MS = 3_600_000;

export interface AuditTasks {
  signer?: CheckpointSigner;
  /** Runs one checkpoint and one retention pass now (tests, and the first pass after start). */
  tick(): Promise<void>;
  stop(): void;
}

type Timer = ReturnType<typeof setInterval> & { unref?(): void };
const background = (timer: Timer): Timer => {
  timer.unref?.();
  return timer;
};

export async function startAuditTasks(options: {
  services: Services;
  config: Config['audit'];
  /** false: no timers (tests tick by hand). */
  timers?: boolean;
  /** Replicas: the timers do their work only while this answers true (this replica holds the cluster lease). */
  when?: () => boolean;
}): Promise<AuditTasks> {
  const { services, config } = options;
  const { store, clock, log } = services;
  const { signer, checkpointLog: log_ } = auditRuntimeOf(services);
  const intervalMs = (config?.checkpointIntervalSeconds ?? 3600) * 1000;
  // Each checkpoint is also recorded as an event (for pollers and SIEM exports) and in the file.
  const recordOptions = { record: true, ...(log_ ? { log: log_ } : {}) };

  const when = options.when ?? (() => true);
  const checkpoint = async () => {
    if (signer && when()) await checkpointHead(store, signer, clock.now(), 'periodic', recordOptions);
  };
  const prune = async () => {
    if (!signer || config?.retentionDays === undefined || !when()) return;
    const deleted = await pruneAuditLog(store, signer, clock.now(), config.retentionDays * DAY_MS, recordOptions);
    if (deleted) log.info({ deleted, retention_days: config.retentionDays }, 'audit events pruned');
  };
  const logFailure = (what: string) => (error: unknown) => log.error({ error: String(error) }, `audit ${what} failed`);

  const timers: Timer[] = [];
  if (signer && options.timers !== false) {
    // One at start: events written before a crash or while stopped are covered at once.
    await checkpoint().catch(logFailure('checkpoint'));
    timers.push(background(setInterval(() => checkpoint().catch(logFailure('checkpoint')), intervalMs)));
    if (config?.retentionDays !== undefined) {
      timers.push(background(setInterval(() => prune().catch(logFailure('retention')), PRUNE_EVERY_MS)));
      timers.push(background(setTimeout(() => prune().catch(logFailure('retention')), 5_000)));
    }
  }
  return {
    ...(signer ? { signer } : {}),
    async tick() {
      await checkpoint();
      await prune();
    },
    stop() {
      for (const t of timers) clearInterval(t);
    },
  };
}

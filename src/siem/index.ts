/**
 * SIEM push: each sink reads the audit log from its own durable cursor (export_cursors, name
 * `siem:<id>`), sends a batch, and moves the cursor only after the sink took the whole batch. A
 * failed send is retried from the same cursor with backoff: no event is skipped, and within the
 * at-least-once contract an event is sent again only when a send failed or the process died between
 * sending and moving the cursor (dedupe on the event `id`). Runs on timers, off the request path.
 */
import type { Clock, Logger } from '../platform.ts';
import type { SqlDriver } from '../store/sql/driver.ts';
import type { Store } from '../store/types.ts';
import { Outbox, cursorStatement } from '../notify/outbox.ts';
import type { SiemConfig } from './config.ts';
import type { Sink } from './sink.ts';

export type { Sink } from './sink.ts';

export class SiemExporter {
  private timers = new Map<string, ReturnType<typeof setTimeout>>();
  private running = new Set<Promise<void>>();
  private failures = new Map<string, number>();
  private stopped = true;
  private when: () => boolean = () => true;
  private readonly cursors: Outbox;
  private readonly o: { store: Store; driver: SqlDriver; sinks: Sink[]; config: SiemConfig; clock: Clock; log: Logger };

  constructor(o: { store: Store; driver: SqlDriver; sinks: Sink[]; config: SiemConfig; clock: Clock; log: Logger }) {
    this.o = o;
    this.cursors = new Outbox(o.driver);
  }

  /** Starts the sinks' timers; `when` gates each send (replicas: only the cluster lease's holder pushes). */
  start(options: { when?: () => boolean } = {}): void {
    if (options.when) this.when = options.when;
    this.stopped = false;
    for (const sink of this.o.sinks) this.schedule(sink, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    await Promise.all([...this.running]);
    await Promise.all(this.o.sinks.map((s) => s.close()));
  }

  private schedule(sink: Sink, ms: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      if (!this.when()) {
        this.schedule(sink, this.o.config.pollIntervalMs);
        return;
      }
      const run = this.drain(sink)
        .then(() => {
          this.failures.delete(sink.id);
          this.schedule(sink, this.o.config.pollIntervalMs);
        })
        .catch((error: unknown) => {
          const n = (this.failures.get(sink.id) ?? 0) + 1;
          this.failures.set(sink.id, n);
          const { backoffSeconds, maxBackoffSeconds } = this.o.config;
          this.o.log.warn({ sink: sink.id, attempt: n, error: String(error) }, 'SIEM send failed; retrying from the same cursor');
          this.schedule(sink, Math.min(maxBackoffSeconds, backoffSeconds * 2 ** (n - 1)) * 1000);
        })
        .finally(() => this.running.delete(run));
      this.running.add(run);
    }, ms);
    timer.unref?.();
    this.timers.set(sink.id, timer);
  }

  /** One round for every sink (Workers: from the Cron Trigger); a failed sink is retried next round from its cursor. */
  async drainAll(): Promise<void> {
    const failed: string[] = [];
    await Promise.all(
      this.o.sinks.map((sink) =>
        this.drain(sink).catch((error: unknown) => {
          failed.push(`${sink.id}: ${String(error)}`);
        }),
      ),
    );
    if (failed.length) throw new Error(`SIEM send failed (${failed.join('; ')}); retried from the same cursor`);
  }

  /** Sends every event after the sink's cursor, batch by batch; throws on the first failed batch. */
  async drain(sink: Sink): Promise<number> {
    const name = `siem:${sink.id}`;
    let sent = 0;
    for (;;) {
      const after = await this.cursors.cursor(name);
      const events = await this.o.store.auditAfter(after, this.o.config.batchSize);
      if (!events.length) return sent;
      await sink.send(events);
      await this.o.driver.batch([cursorStatement(name, events.at(-1)?.seq ?? after, this.o.clock.now())]);
      sent += events.length;
      if (events.length < this.o.config.batchSize) return sent;
    }
  }
}

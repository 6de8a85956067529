/**
 * Signed notifications out. The notifier reads the audit log after its durable cursor, turns events
 * into notifications (events.ts) for the subscriptions that asked for them, writes them to the outbox
 * with the cursor in one transaction, and delivers due rows as Standard Webhooks-signed POSTs (the
 * public standardwebhooks library signs; the same library verifies our inbound calls' format).
 * At least once: a row stays pending until a 2xx, retried with capped exponential backoff and
 * jitter, then dead-lettered (audited, counted in /metrics) until someone redelivers it.
 * Everything runs on timers, off the request path: a slow receiver only ever delays its own row.
 */
import { Webhook } from 'standardwebhooks';
import { verifyStore } from '../audit/verify-store.ts';
import type { CheckpointVerifier } from '../audit/checkpoint.ts';
import type { Clock, Logger } from '../platform.ts';
import type { Store } from '../store/types.ts';
import type { NotificationsConfig, SubscriptionConfig } from './config.ts';
import { type Notification, notificationsFor } from './events.ts';
import type { NewOutboxRow, Outbox, OutboxRow } from './outbox.ts';
import { slackMessage } from './slack.ts';
import { type CapacityUse, capacityCrossings } from './capacity.ts';
import type { SqlDriver } from '../store/sql/driver.ts';
import { DestinationRefused } from './ssrf.ts';
import { DeliveryTimeout, type HttpPost } from './transport.ts';

export { Outbox } from './outbox.ts';
export type { OutboxRow, OutboxState } from './outbox.ts';

const CURSOR = 'notify';
const BATCH = 500;
const PARALLEL = 8;

export interface Subscription extends Omit<SubscriptionConfig, 'secret'> {
  secret: string;
}

export interface NotifierOptions {
  store: Store;
  outbox: Outbox;
  config: NotificationsConfig;
  subscriptions: Subscription[];
  clock: Clock;
  log: Logger;
  /** The service's public base URL for links in Slack messages (optional). */
  baseUrl?: string;
  /** Deny capacity in use per target (capacity.ts), for the capacity.exceeded threshold; absent without connectors. */
  capacity?: () => Promise<CapacityUse[]>;
  /** The SQL driver of the store, for the durable per-target capacity state. */
  driver?: SqlDriver;
  /** Verifies checkpoint signatures during the periodic chain verification, when a key is configured. */
  verifier?: () => CheckpointVerifier | undefined;
  /** The transport (Node: src/net/guarded-http.ts; Workers: fetchPost), which checks the address at every connect. */
  post: HttpPost;
  random?: () => number;
}

export class Notifier {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private lastVerify = 0;
  private lastCapacity = Number.NEGATIVE_INFINITY;
  private readonly inFlight = new Set<string>();
  private readonly signers = new Map<string, Webhook>();

  private readonly o: NotifierOptions;
  private when: () => boolean = () => true;

  constructor(o: NotifierOptions) {
    this.o = o;
    for (const s of o.subscriptions) this.signers.set(s.id, new Webhook(s.secret));
  }

  get outbox(): Outbox {
    return this.o.outbox;
  }

  /**
   * Starts the rounds. `when` gates each round: replicas on one database pass "this replica holds the
   * cluster lease", so one replica ingests, verifies and delivers for the cluster (never two at once).
   */
  start(options: { when?: () => boolean } = {}): void {
    if (options.when) this.when = options.when;
    this.stopped = false;
    this.lastVerify = this.o.clock.now();
    this.schedule(0);
  }

  /** One round if this process runs them now (see `start`); otherwise nothing. */
  async round(): Promise<boolean> {
    if (!this.when()) return false;
    await this.tick();
    return true;
  }

  /** Runs a round soon (after a redeliver), without waiting for the poll interval. */
  kick(): void {
    if (!this.running || this.stopped) this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.round()
        .then(() => undefined)
        .catch((error: unknown) => this.o.log.error({ error: String(error) }, 'notifier tick failed'))
        .finally(() => this.schedule(this.o.config.pollIntervalMs));
    }, ms);
    this.timer.unref?.();
  }

  /** One round: ingest new audit events, verify the chain when due, check capacity, send what is due. */
  async tick(): Promise<void> {
    await this.ingest();
    await this.verifyWhenDue();
    if (this.o.clock.now() - this.lastCapacity >= this.o.config.capacity.checkIntervalSeconds * 1000) {
      this.lastCapacity = this.o.clock.now();
      await this.checkCapacity();
    }
    await this.deliverDue();
  }

  /**
   * Compares each target's capacity in use with the threshold; a crossing becomes a capacity.exceeded
   * notification for every subscription that asked, written with the new state in one transaction.
   */
  async checkCapacity(): Promise<number> {
    const { capacity, driver, config, clock } = this.o;
    if (!capacity || !driver) return 0;
    const now = clock.now();
    const { notifications, statements } = await capacityCrossings(driver, await capacity(), { ...config.capacity, now });
    const rows = notifications.flatMap((n) => this.o.subscriptions.filter((s) => s.events.includes(n.type)).map((s) => this.row(s, n)));
    await this.o.outbox.add(rows, now, statements);
    return notifications.length;
  }

  /** Reads audit events after the cursor into the outbox; returns how many events were read. */
  async ingest(): Promise<number> {
    const { store, outbox, clock } = this.o;
    let total = 0;
    for (;;) {
      const after = await outbox.cursor(CURSOR);
      const events = await store.auditAfter(after, BATCH);
      if (!events.length) return total;
      const rows: NewOutboxRow[] = [];
      for (const event of events) {
        for (const n of await notificationsFor(event, store)) {
          for (const s of this.o.subscriptions.filter((sub) => sub.events.includes(n.type))) rows.push(this.row(s, n));
        }
      }
      await outbox.ingest(CURSOR, events.at(-1)?.seq ?? after, rows, clock.now());
      total += events.length;
      if (events.length < BATCH) return total;
    }
  }

  private row(s: Subscription, n: Notification): NewOutboxRow {
    const envelope = { type: n.type, timestamp: n.timestamp, data: n.data };
    const payload = s.format === 'slack' ? { ...slackMessage(n, this.o.baseUrl ? { baseUrl: this.o.baseUrl } : {}), portcullis: envelope } : envelope;
    return { id: `msg_${crypto.randomUUID()}`, subscription: s.id, dedupeKey: n.dedupeKey, eventType: n.type, payload: JSON.stringify(payload) };
  }

  private async verifyWhenDue(): Promise<void> {
    const every = this.o.config.verifyIntervalSeconds * 1000;
    const now = this.o.clock.now();
    if (!every || now - this.lastVerify < every) return;
    this.lastVerify = now;
    const report = await verifyStore(this.o.store, this.o.verifier?.());
    if (report.ok || !report.fault) return;
    // Recorded in the audit log (which the notifier then reads like any other event).
    await this.o.store.commit({
      audit: [{ action: 'audit.verify_failed', outcome: 'failure', detail: { seq: report.fault.seq, reason: report.fault.reason, detail: report.fault.detail, checked: report.checked } }],
    });
    await this.ingest();
  }

  /** Sends every due row (a few at a time); rows already being sent are skipped. */
  async deliverDue(): Promise<number> {
    const due = (await this.o.outbox.due(this.o.clock.now(), 100)).filter((r) => !this.inFlight.has(r.id));
    let sent = 0;
    for (let i = 0; i < due.length; i += PARALLEL) {
      const slice = due.slice(i, i + PARALLEL);
      await Promise.all(slice.map((row) => this.deliver(row)));
      sent += slice.length;
    }
    return sent;
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const { outbox, clock, config, log } = this.o;
    const subscription = this.o.subscriptions.find((s) => s.id === row.subscription);
    const signer = this.signers.get(row.subscription);
    if (!subscription || !signer) {
      await outbox.failed(row.id, `subscription "${row.subscription}" is no longer configured`, null, undefined);
      return;
    }
    this.inFlight.add(row.id);
    try {
      const now = new Date(clock.now());
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'portcullis-notifier',
        'webhook-id': row.id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signer.sign(row.id, now, row.payload),
      };
      let status: number | null = null;
      let error: string | undefined;
      try {
        const where = `notifications.subscriptions[${this.o.subscriptions.indexOf(subscription)}] (${subscription.id})`;
        const response = await this.o.post({ url: subscription.url, headers, body: row.payload, timeoutMs: config.timeoutMs, where });
        status = response.status;
        if (status < 200 || status >= 300) error = `the receiver answered ${status}`;
      } catch (e) {
        error = e instanceof DeliveryTimeout ? `no answer within ${config.timeoutMs} ms` : `delivery failed: ${e instanceof Error ? e.message : String(e)}`;
        if (e instanceof DestinationRefused) {
          // The name resolved to an internal address after start (DNS rebinding?): nothing was sent.
          await this.o.store.commit({
            audit: [{ action: 'notification.destination_refused', outcome: 'refused', detail: { id: row.id, subscription: row.subscription, attempt: row.attempts + 1, error: e.message } }],
          });
          log.warn({ id: row.id, subscription: row.subscription, error: e.message }, 'notification destination refused at connect');
        }
      }
      if (!error) {
        await outbox.delivered(row.id, status ?? 0, clock.now());
        return;
      }
      const attempts = row.attempts + 1;
      if (attempts >= config.maxAttempts) {
        await this.o.store.commit({
          audit: [
            {
              action: 'notification.dead_letter',
              outcome: 'failure',
              detail: { id: row.id, subscription: row.subscription, event_type: row.eventType, attempts, error, status },
            },
          ],
        });
        await outbox.failed(row.id, error, status, undefined);
        log.warn({ id: row.id, subscription: row.subscription, attempts, error }, 'notification dead-lettered');
        return;
      }
      const base = Math.min(config.maxBackoffSeconds, config.backoffSeconds * 2 ** (attempts - 1)) * 1000;
      const jitter = 0.8 + 0.4 * (this.o.random ?? Math.random)();
      await outbox.failed(row.id, error, status, clock.now() + Math.round(base * jitter));
    } finally {
      this.inFlight.delete(row.id);
    }
  }
}

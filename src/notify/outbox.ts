/**
 * The durable outbox and export cursors (migrations/0011_a_outbox.sql), over the same SQL driver as
 * the store (better-sqlite3 or D1). A notification is a row from the moment it is known until it is
 * delivered or dead; the cursor that produced it moves in the same transaction, so a crash loses
 * nothing and at worst re-reads events whose rows already exist (ON CONFLICT DO NOTHING).
 */
import { type SqlDriver, type SqlStatement, sql } from '../store/sql/driver.ts';

export type OutboxState = 'pending' | 'delivered' | 'dead';

export interface OutboxRow {
  id: string;
  subscription: string;
  dedupeKey: string;
  eventType: string;
  payload: string;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  lastStatus: number | null;
  createdAt: number;
  deliveredAt: number | null;
}

interface Raw {
  id: string;
  subscription: string;
  dedupe_key: string;
  event_type: string;
  payload: string;
  state: OutboxState;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  last_status: number | null;
  created_at: number;
  delivered_at: number | null;
}

const fromRaw = (r: Raw): OutboxRow => ({
  id: r.id,
  subscription: r.subscription,
  dedupeKey: r.dedupe_key,
  eventType: r.event_type,
  payload: r.payload,
  state: r.state,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  lastStatus: r.last_status,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
});

export interface NewOutboxRow {
  id: string;
  subscription: string;
  dedupeKey: string;
  eventType: string;
  payload: string;
}

export const cursorStatement = (name: string, seq: number, now: number): SqlStatement =>
  sql(
    'INSERT INTO export_cursors (name, seq, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at',
    name,
    seq,
    now,
  );

export class Outbox {
  private readonly driver: SqlDriver;
  constructor(driver: SqlDriver) {
    this.driver = driver;
  }

  async cursor(name: string): Promise<number> {
    const rows = await this.driver.all<{ seq: number }>('SELECT seq FROM export_cursors WHERE name = ?', [name]);
    return rows[0]?.seq ?? 0;
  }

  /** Moves the cursor to `seq` with whatever rows the events up to it produced, in one transaction. */
  async ingest(cursorName: string, seq: number, rows: NewOutboxRow[], now: number): Promise<void> {
    await this.add(rows, now, [cursorStatement(cursorName, seq, now)]);
  }

  /** Adds rows (a row already known for its subscription and dedupe key is kept) with other state writes, in one transaction. */
  async add(rows: NewOutboxRow[], now: number, also: SqlStatement[] = []): Promise<void> {
    if (!rows.length && !also.length) return;
    await this.driver.batch([
      ...rows.map((r) =>
        sql(
          `INSERT INTO notify_outbox (id, subscription, dedupe_key, event_type, payload, state, attempts, next_attempt_at, created_at)
           VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (subscription, dedupe_key) DO NOTHING`,
          r.id,
          r.subscription,
          r.dedupeKey,
          r.eventType,
          r.payload,
          now,
          now,
        ),
      ),
      ...also,
    ]);
  }

  async due(now: number, limit: number): Promise<OutboxRow[]> {
    const rows = await this.driver.all<Raw>(
      "SELECT * FROM notify_outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at LIMIT ?",
      [now, limit],
    );
    return rows.map(fromRaw);
  }

  /** When the next pending row is due (undefined when none is pending). */
  async nextDue(): Promise<number | undefined> {
    const rows = await this.driver.all<{ at: number | null }>("SELECT MIN(next_attempt_at) AS at FROM notify_outbox WHERE state = 'pending'");
    return rows[0]?.at ?? undefined;
  }

  async delivered(id: string, status: number, now: number): Promise<void> {
    await this.driver.batch([
      sql(
        "UPDATE notify_outbox SET state = 'delivered', attempts = attempts + 1, last_status = ?, last_error = NULL, delivered_at = ? WHERE id = ? AND state = 'pending'",
        status,
        now,
        id,
      ),
    ]);
  }

  /** Records a failed attempt: pending again at `retryAt`, or dead when `retryAt` is undefined. */
  async failed(id: string, error: string, status: number | null, retryAt: number | undefined): Promise<void> {
    await this.driver.batch([
      retryAt === undefined
        ? sql("UPDATE notify_outbox SET state = 'dead', attempts = attempts + 1, last_error = ?, last_status = ? WHERE id = ? AND state = 'pending'", error, status, id)
        : sql(
            'UPDATE notify_outbox SET attempts = attempts + 1, last_error = ?, last_status = ?, next_attempt_at = ? WHERE id = ? AND state = ?',
            error,
            status,
            retryAt,
            id,
            'pending',
          ),
    ]);
  }

  /** A dead (or delivered) notification back to pending with a fresh attempt budget; false when unknown or pending. */
  async redeliver(id: string, now: number): Promise<boolean> {
    const [changed] = await this.driver.batch([
      sql("UPDATE notify_outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, delivered_at = NULL WHERE id = ? AND state <> 'pending'", now, id),
    ]);
    return (changed ?? 0) > 0;
  }

  async get(id: string): Promise<OutboxRow | undefined> {
    const rows = await this.driver.all<Raw>('SELECT * FROM notify_outbox WHERE id = ?', [id]);
    return rows[0] ? fromRaw(rows[0]) : undefined;
  }

  async list(state: OutboxState | undefined, limit: number): Promise<OutboxRow[]> {
    const rows = state
      ? await this.driver.all<Raw>('SELECT * FROM notify_outbox WHERE state = ? ORDER BY created_at DESC, id LIMIT ?', [state, limit])
      : await this.driver.all<Raw>('SELECT * FROM notify_outbox ORDER BY created_at DESC, id LIMIT ?', [limit]);
    return rows.map(fromRaw);
  }

  async cursors(): Promise<{ name: string; seq: number }[]> {
    return this.driver.all<{ name: string; seq: number }>('SELECT name, seq FROM export_cursors ORDER BY name');
  }

  async counts(): Promise<Record<OutboxState, number>> {
    const rows = await this.driver.all<{ state: OutboxState; n: number }>('SELECT state, COUNT(*) AS n FROM notify_outbox GROUP BY state');
    const out: Record<OutboxState, number> = { pending: 0, delivered: 0, dead: 0 };
    for (const r of rows) out[r.state] = r.n;
    return out;
  }
}

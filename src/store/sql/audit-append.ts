import { chainHash, hashedBody } from '../../audit/chain.ts';
import { GENESIS_HASH, type AuditEvent, type AuditEventInput, toStoredEvent } from '../../audit/types.ts';
import { isStoreUnavailable } from '../errors.ts';
import { type SqlDriver, type SqlStatement, sql } from './driver.ts';

interface Head {
  seq: number;
  hash: string;
}

interface Pending {
  events: AuditEventInput[];
  statements: SqlStatement[];
  resolve(events: AuditEvent[]): void;
  reject(error: unknown): void;
}

/** Runs `fn` after the I/O already waiting has been handled (setImmediate on Node, a 0 ms timer elsewhere). */
const afterPendingIo: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
    ? (fn) => (globalThis as unknown as { setImmediate(f: () => void): void }).setImmediate(fn)
    : (fn) => setTimeout(fn, 0);

/**
 * Appends hash-chained events together with other statements in one transaction.
 *
 * Group commit: commits that arrive while the event loop is busy are chained in order from the cached
 * head and written in ONE transaction (each still all-or-nothing with its own events: if the group
 * fails, every commit of the group is retried on its own, so one failure never takes others down and
 * never leaves a gap in the chain). Another process or Worker isolate appending to the same database
 * is caught by the seq primary key: the batch fails, the head is re-read and the commit retried.
 */
/** Lost races for the next seq a commit retries (other processes or isolates appending to the same log). */
const MAX_APPEND_ATTEMPTS = 100;

export class AuditAppender {
  private head: Head | undefined;
  private pending: Pending[] = [];
  private flushing = false;

  private readonly driver: SqlDriver;
  private readonly now: () => number;
  constructor(
    driver: SqlDriver,
    now: () => number,
  ) {
    this.driver = driver;
    this.now = now;
  }

  async readHead(all: SqlDriver['all'] = (q, p) => this.driver.all(q, p)): Promise<Head> {
    const rows = await all<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
    const row = rows[0];
    return row ? { seq: row.seq, hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
  }

  /** Commits `statements` and appends `events` atomically; resolves once durable. */
  commit(events: AuditEventInput[], statements: SqlStatement[]): Promise<AuditEvent[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ events, statements, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        afterPendingIo(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length) {
      const group = this.pending.splice(0);
      if (this.driver.serialized) {
        await this.commitSerialized(group);
        continue;
      }
      if (group.length > 1 && (await this.commitGroup(group))) continue;
      for (const one of group) {
        try {
          one.resolve(await this.commitOne(one.events, one.statements));
        } catch (error) {
          one.reject(error);
        }
      }
    }
    this.flushing = false;
  }

  /**
   * Engines with concurrent writers (PostgreSQL): the group's transaction takes the audit lock first,
   * reads the head under it and commits before the next writer (in any process) can read it, so seq
   * order is commit order and a poller's cursor never passes an event that commits later. Each commit
   * of the group runs in its own savepoint: one that fails is undone alone and the chain continues
   * from the last one kept.
   */
  private async commitSerialized(group: Pending[]): Promise<void> {
    const serialized = this.driver.serialized?.bind(this.driver);
    if (!serialized) throw new Error('the driver has no serialized transactions');
    const single = group.length === 1;
    let outcomes: ({ ok: true; events: AuditEvent[] } | { ok: false; error: unknown })[];
    try {
      outcomes = await serialized('portcullis.audit_events', async (tx) => {
        let head = await this.readHead((q, p) => tx.all(q, p));
        const out: typeof outcomes = [];
        for (const one of group) {
          const appended = await this.chain(head, one.events);
          const write = async () => {
            for (const statement of [...one.statements, ...appended.map(insertEvent)]) await tx.run(statement);
          };
          // A lone commit needs no savepoint: its failure rolls the whole transaction back.
          if (single) await write();
          else {
            try {
              await tx.savepoint(write);
            } catch (error) {
              // The transaction itself is gone (the database went away): nothing of the group can commit.
              if (isStoreUnavailable(error)) throw error;
              out.push({ ok: false, error });
              continue;
            }
          }
          out.push({ ok: true, events: appended });
          const last = appended.at(-1);
          if (last) head = { seq: last.seq, hash: last.hash };
        }
        return out;
      });
    } catch (error) {
      for (const one of group) one.reject(error);
      return;
    }
    for (const [i, one] of group.entries()) {
      const outcome = outcomes[i];
      if (outcome?.ok) one.resolve(outcome.events);
      else one.reject(outcome?.error);
    }
  }

  /** All of a group in one transaction; false (nothing applied) when it fails. */
  private async commitGroup(group: Pending[]): Promise<boolean> {
    try {
      let head = this.head ?? (await this.readHead());
      const chained: AuditEvent[][] = [];
      for (const one of group) {
        const appended = await this.chain(head, one.events);
        chained.push(appended);
        const last = appended.at(-1);
        if (last) head = { seq: last.seq, hash: last.hash };
      }
      await this.driver.batch(group.flatMap((one, i) => [...one.statements, ...(chained[i] ?? []).map(insertEvent)]));
      this.head = head;
      for (const [i, one] of group.entries()) one.resolve(chained[i] ?? []);
      return true;
    } catch {
      this.head = undefined;
      return false;
    }
  }

  private async commitOne(events: AuditEventInput[], statements: SqlStatement[]): Promise<AuditEvent[]> {
    for (let attempt = 1; ; attempt++) {
      this.head ??= await this.readHead();
      const appended = await this.chain(this.head, events);
      try {
        await this.driver.batch([...statements, ...appended.map(insertEvent)]);
        const last = appended.at(-1);
        if (last) this.head = { seq: last.seq, hash: last.hash };
        return appended;
      } catch (error) {
        this.head = undefined;
        // Only a lost race for the next seq is worth retrying; any other constraint is the caller's.
        if (!this.driver.isUniqueViolation(error) || !/audit_events/.test(String(error)) || attempt >= MAX_APPEND_ATTEMPTS) throw error;
        // Writers that lost the same race back off by a random few ms, so they do not collide again in step.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * attempt)));
      }
    }
  }

  private async chain(head: Head, inputs: AuditEventInput[]): Promise<AuditEvent[]> {
    const out: AuditEvent[] = [];
    let { seq, hash: prevHash } = head;
    const time = new Date(this.now()).toISOString();
    for (const input of inputs) {
      seq += 1;
      const body = toStoredEvent(input, seq, crypto.randomUUID(), time);
      const hash = await chainHash(prevHash, hashedBody(body));
      out.push({ ...body, prev_hash: prevHash, hash });
      prevHash = hash;
    }
    return out;
  }
}

function insertEvent(e: AuditEvent): SqlStatement {
  const { prev_hash: prevHash, hash, ...body } = e;
  return sql(
    `INSERT INTO audit_events (seq, id, time, action, outcome, client_id, run_id, playbook, target, prev_hash, hash, event)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    e.seq,
    e.id,
    e.time,
    e.action,
    e.outcome,
    e.client_id ?? null,
    e.run_id ?? null,
    e.playbook ?? null,
    e.target ?? null,
    prevHash,
    hash,
    hashedBody(body),
  );
}

import { chainHash, hashedBody } from '../../audit/chain.ts';
import { GENESIS_HASH, type AuditEvent, type AuditEventInput } from '../../audit/types.ts';
import { type SqlDriver, type SqlStatement, sql } from './driver.ts';

interface Head {
  seq: number;
  hash: string;
}

/**
 * Appends hash-chained events together with other statements in one transaction.
 *
 * Appends within one process are serialized by a promise queue and the head is cached, so the common
 * case is one batch per commit. Another process or Worker isolate appending to the same database is
 * caught by the seq primary key: the batch fails as a whole, the head is re-read and the commit retried.
 */
export class AuditAppender {
  private head: Head | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly driver: SqlDriver,
    private readonly now: () => number,
  ) {}

  async readHead(): Promise<Head> {
    const rows = await this.driver.all<{ seq: number; hash: string }>(
      'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1',
    );
    const row = rows[0];
    return row ? { seq: row.seq, hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
  }

  /** Commits `statements` and appends `events` atomically. */
  commit(events: AuditEventInput[], statements: SqlStatement[]): Promise<AuditEvent[]> {
    const run = this.queue.then(() => this.commitNow(events, statements));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async commitNow(events: AuditEventInput[], statements: SqlStatement[]): Promise<AuditEvent[]> {
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
        if (!this.driver.isUniqueViolation(error) || attempt >= 20) throw error;
      }
    }
  }

  private async chain(head: Head, inputs: AuditEventInput[]): Promise<AuditEvent[]> {
    const out: AuditEvent[] = [];
    let { seq, hash: prevHash } = head;
    const time = new Date(this.now()).toISOString();
    for (const input of inputs) {
      seq += 1;
      const body = { ...input, seq, id: crypto.randomUUID(), time };
      const hash = await chainHash(prevHash, hashedBody(body));
      out.push({ ...body, prevHash, hash });
      prevHash = hash;
    }
    return out;
  }
}

function insertEvent(e: AuditEvent): SqlStatement {
  const { prevHash, hash, ...body } = e;
  return sql(
    `INSERT INTO audit_events (seq, id, time, action, outcome, client_id, run_id, playbook, target, prev_hash, hash, event)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    e.seq,
    e.id,
    e.time,
    e.action,
    e.outcome,
    e.clientId ?? null,
    e.runId ?? null,
    e.playbook ?? null,
    e.target ?? null,
    prevHash,
    hash,
    hashedBody(body),
  );
}

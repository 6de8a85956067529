/**
 * Reads for the audit pull API, checkpoints and retention.
 *
 * Why a cursor on seq never skips an event that commits late (at-least-once with no gaps):
 * seq is not a sequence handed out before the transaction (the Postgres BIGSERIAL trap, where 8 can
 * become visible before 7). AuditAppender computes seq = head + 1 from a head that was itself committed
 * (its own last append, or a read of the table), and inserts it in the same transaction as the state
 * change, with seq as the primary key. So a transaction can only insert seq N when N - 1 is already
 * committed and visible; a writer with a stale head hits the primary key and retries with a fresh one
 * (SQLite and D1 have one writer at a time; on Postgres the unique index makes the second insert wait,
 * then fail). Hence at every instant the visible seqs form a prefix 1..H (minus what retention pruned),
 * and anything committed later gets a seq above H. A poller whose cursor is at most H therefore sees
 * every later event. test/audit/concurrency.test.ts runs concurrent writer processes against pollers.
 */
import type { AuditFilter, AuditPage, AuditPageQuery, AuditRow, Checkpoint } from '../../audit/pull-types.ts';
import { type SqlDriver, dialectOf, sql } from './driver.ts';

interface Row {
  seq: number;
  id: string;
  time: string;
  action: string;
  outcome: string;
  client_id: string | null;
  run_id: string | null;
  playbook: string | null;
  target: string | null;
  prev_hash: string;
  hash: string;
  event: string;
}

interface CheckpointRow {
  seq: number;
  hash: string;
  time: string;
  kind: Checkpoint['kind'];
  key_id: string;
  signature: string;
}

const toRow = (r: Row): AuditRow => ({
  seq: r.seq,
  id: r.id,
  time: r.time,
  action: r.action,
  outcome: r.outcome,
  clientId: r.client_id,
  runId: r.run_id,
  playbook: r.playbook,
  target: r.target,
  prevHash: r.prev_hash,
  hash: r.hash,
  event: r.event,
});

const toCheckpoint = (r: CheckpointRow): Checkpoint => ({
  seq: r.seq,
  hash: r.hash,
  time: r.time,
  kind: r.kind,
  keyId: r.key_id,
  signature: r.signature,
});

const FILTER_COLUMNS: [keyof AuditFilter, string][] = [
  ['clientId', 'client_id = ?'],
  ['playbook', 'playbook = ?'],
  ['runId', 'run_id = ?'],
  ['target', 'target = ?'],
  ['action', 'action = ?'],
  ['outcome', 'outcome = ?'],
  ['since', 'time >= ?'],
  ['until', 'time < ?'],
];

const COLUMNS = 'seq, id, time, action, outcome, client_id, run_id, playbook, target, prev_hash, hash, event';

export class AuditQueries {
  private readonly driver: SqlDriver;
  constructor(driver: SqlDriver) {
    this.driver = driver;
  }

  /** One page of events after a cursor, filtered, in seq order; see AuditPage.scannedTo. */
  async page(q: AuditPageQuery): Promise<AuditPage> {
    // The head is read before the page: every seq up to it was visible then (see the comment above),
    // so a page that is not full has seen all of them and the cursor may move past them.
    const [head] = await this.driver.all<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM audit_events');
    const where = ['seq > ?'];
    const params: unknown[] = [q.after];
    if (q.through !== undefined) where.push('seq <= ?') && params.push(q.through);
    for (const [key, clause] of FILTER_COLUMNS) {
      if (q[key] !== undefined) where.push(clause) && params.push(q[key]);
    }
    const rows = (
      await this.driver.all<Row>(`SELECT ${COLUMNS} FROM audit_events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`, [
        ...params,
        q.limit,
      ])
    ).map(toRow);
    const last = rows.at(-1)?.seq ?? q.after;
    const full = rows.length === q.limit;
    const visible = Math.min(head?.seq ?? 0, q.through ?? Number.POSITIVE_INFINITY);
    return { rows, scannedTo: full ? last : Math.max(last, visible, q.after) };
  }

  /**
   * A page of the bulk export as NDJSON text, built by SQLite: one string per page instead of one
   * object per row is what keeps the export near the speed of a raw table scan. The subquery's
   * ORDER BY ... LIMIT cannot be flattened into the aggregate, so rows are concatenated in seq order.
   */
  async ndjsonPage(q: AuditPageQuery & { through: number }): Promise<{ text: string; count: number; last: number | undefined }> {
    const where = ['seq > ?', 'seq <= ?'];
    const params: unknown[] = [q.after, q.through];
    for (const [key, clause] of FILTER_COLUMNS) {
      if (q[key] !== undefined) where.push(clause) && params.push(q[key]);
    }
    const dialect = dialectOf(this.driver);
    const [row] = await this.driver.all<{ text: string | null; count: number; last: number | null }>(
      `SELECT ${dialect.concatRows('line', 'seq')} AS text, COUNT(*) AS count, MAX(seq) AS last FROM (
         SELECT seq, substr(event, 1, length(event) - 1) || ',"prev_hash":"' || prev_hash || '","hash":"' || hash || '"}' || ${dialect.newline} AS line
         FROM audit_events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?) AS page`,
      [...params, q.limit],
    );
    return { text: row?.text ?? '', count: row?.count ?? 0, last: row?.last ?? undefined };
  }

  /** The last seq, or 0 for an empty log. */
  async headSeq(): Promise<number> {
    const [head] = await this.driver.all<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM audit_events');
    return head?.seq ?? 0;
  }

  async checkpoints(afterSeq: number, limit: number): Promise<Checkpoint[]> {
    const rows = await this.driver.all<CheckpointRow>(
      'SELECT seq, hash, time, kind, key_id, signature FROM audit_checkpoints WHERE seq > ? ORDER BY seq LIMIT ?',
      [afterSeq, limit],
    );
    return rows.map(toCheckpoint);
  }

  async latestCheckpoint(): Promise<Checkpoint | undefined> {
    const [row] = await this.driver.all<CheckpointRow>(
      'SELECT seq, hash, time, kind, key_id, signature FROM audit_checkpoints ORDER BY seq DESC LIMIT 1',
    );
    return row ? toCheckpoint(row) : undefined;
  }

  /** Stores a checkpoint; one already stored at that seq is kept (both sign the same hash). */
  async addCheckpoint(c: Checkpoint): Promise<void> {
    await this.driver.batch([
      sql(
        'INSERT INTO audit_checkpoints (seq, hash, time, kind, key_id, signature) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
        c.seq,
        c.hash,
        c.time,
        c.kind,
        c.keyId,
        c.signature,
      ),
    ]);
  }

  /**
   * The last event retention may delete: everything before the first event at or after `before`,
   * at most `maxEvents` of them, and never the head (the appender continues the chain from it).
   */
  async retentionCutoff(before: string, maxEvents: number): Promise<{ seq: number; hash: string } | undefined> {
    const [bounds] = await this.driver.all<{ first: number | null; head: number | null; keep: number | null }>(
      'SELECT MIN(seq) AS first, MAX(seq) AS head, (SELECT MIN(seq) FROM audit_events WHERE time >= ?) AS keep FROM audit_events',
      [before],
    );
    if (!bounds?.first || !bounds.head) return undefined;
    const last = Math.min((bounds.keep ?? bounds.head + 1) - 1, bounds.head - 1, bounds.first + maxEvents - 1);
    if (last < bounds.first) return undefined;
    const [row] = await this.driver.all<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_events WHERE seq = ?', [last]);
    return row;
  }

  /** Deletes the events up to a retention checkpoint and stores the checkpoint, in one transaction. */
  async prune(anchor: Checkpoint): Promise<number> {
    if (anchor.kind !== 'retention') throw new Error('only a retention checkpoint can anchor pruning');
    const [, deleted = 0] = await this.driver.batch([
      sql(
        `INSERT INTO audit_checkpoints (seq, hash, time, kind, key_id, signature) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (seq) DO UPDATE SET hash = excluded.hash, time = excluded.time, kind = excluded.kind,
           key_id = excluded.key_id, signature = excluded.signature`,
        anchor.seq,
        anchor.hash,
        anchor.time,
        anchor.kind,
        anchor.keyId,
        anchor.signature,
      ),
      sql('DELETE FROM audit_events WHERE seq <= ?', anchor.seq),
    ]);
    return deleted;
  }
}

import type { AuditEvent } from '../../audit/types.ts';
import type { AdmitRequest, AdmitResult, SessionRecords, Store, StoredResponse, UnitOfWork } from '../types.ts';
import { AuditAppender } from './audit-append.ts';
import { AuditQueries } from './audit-queries.ts';
import { SqlSessionRecords } from './console-sessions.ts';
import { RunAlreadyDecided, isStoreUnavailable } from '../errors.ts';
import { type SqlDriver, type SqlStatement, sql } from './driver.ts';
import { LeaseLost } from '../lease-lost.ts';
import { fenceStatement, isFenceViolation } from './leases.ts';
import { RunQueries, runWorkStatements } from './runs.ts';

interface IdempotencyRow {
  fingerprint: string;
  state: 'in_flight' | 'done';
  locked_until: number | null;
  status: number | null;
  headers: string | null;
  body: string | null;
  expires_at: number;
}

export interface SqlStoreOptions {
  /**
   * The database is shared by several processes (PostgreSQL replicas): in-flight idempotency records
   * are never released on start (they may be a live replica's), only taken over once their lock expires.
   */
  shared?: boolean;
}

/** The one Store implementation, over any SqlDriver (node:sqlite, D1, PostgreSQL). */
export class SqlStore implements Store {
  private readonly appender: AuditAppender;
  private readonly runs: RunQueries;
  private readonly auditQueries: AuditQueries;
  readonly sessions: SessionRecords;

  private readonly driver: SqlDriver;
  private readonly shared: boolean;
  /**
   * Idempotency keys this process claimed (admitted fresh) and has not yet completed or released,
   * with the claim's time, so that a release never deletes a later claim of the same key.
   */
  private readonly claims = new Map<string, number>();
  /**
   * Claims whose completion or release could not be written because the database was unreachable,
   * or whose admission failed with the outcome unknown (the connection dropped around COMMIT): they
   * are released once the database answers again (before the next admission, or at the next ping),
   * so a retry of that call runs instead of meeting 409 in_flight until the lock expires. A claim
   * that did complete is kept (only an in-flight record with this claim's time goes).
   */
  private readonly unreleased = new Map<string, { clientId: string; key: string; claimedAt: number | undefined }>();
  constructor(
    driver: SqlDriver,
    now: () => number = Date.now,
    options: SqlStoreOptions = {},
  ) {
    this.driver = driver;
    this.shared = options.shared ?? false;
    this.appender = new AuditAppender(driver, now);
    this.runs = new RunQueries(driver);
    this.auditQueries = new AuditQueries(driver);
    this.sessions = new SqlSessionRecords(driver);
  }

  intentsForTarget = (c: string, t: string) => this.runs.intentsForTarget(c, t);
  intentsByKeys: Store['intentsByKeys'] = (keys) => this.runs.intentsByKeys(keys);
  targetsWithPendingWork = () => this.runs.targetsWithPendingWork();
  dueExpiries = (now: number) => this.runs.dueExpiries(now);
  nextExpiry = () => this.runs.nextExpiry();
  activeIntents: Store['activeIntents'] = (kind) => this.runs.activeIntents(kind);
  listBlocks: Store['listBlocks'] = (query) => this.runs.listBlocks(query);
  getRun = (id: string) => this.runs.getRun(id);
  listRuns: Store['listRuns'] = (filter) => this.runs.listRuns(filter);
  auditPage: Store['auditPage'] = (query) => this.auditQueries.page(query);
  auditNdjsonPage: Store['auditNdjsonPage'] = (query) => this.auditQueries.ndjsonPage(query);
  auditHeadSeq = () => this.auditQueries.headSeq();
  auditCheckpoints = (afterSeq: number, limit: number) => this.auditQueries.checkpoints(afterSeq, limit);
  latestAuditCheckpoint = () => this.auditQueries.latestCheckpoint();
  addAuditCheckpoint: Store['addAuditCheckpoint'] = (c) => this.auditQueries.addCheckpoint(c);
  auditRetentionCutoff = (before: string, maxEvents: number) => this.auditQueries.retentionCutoff(before, maxEvents);
  pruneAudit: Store['pruneAudit'] = (anchor) => this.auditQueries.prune(anchor);

  async admit(r: AdmitRequest): Promise<AdmitResult> {
    if (this.unreleased.size) await this.releaseUnreleased();
    const id = r.idempotencyKey === undefined ? undefined : `${r.clientId}\n${r.idempotencyKey}`;
    let admitted: AdmitResult;
    try {
      admitted = await this.admitOnce(r);
    } catch (error) {
      if (id && isStoreUnavailable(error)) this.unreleased.set(id, { clientId: r.clientId, key: r.idempotencyKey as string, claimedAt: r.now });
      throw error;
    }
    if (id && admitted.kind === 'fresh') this.claims.set(id, r.now);
    return admitted;
  }

  private async admitOnce(r: AdmitRequest): Promise<AdmitResult> {
    // A webhook-id is bound to the exact request AND the idempotency key it first came with, so a
    // captured message resent under another (unsigned) Idempotency-Key is refused, never run again.
    const bound = `${r.fingerprint}|${r.idempotencyKey ?? ''}`;
    const statements: SqlStatement[] = [];
    if (r.webhookId) {
      statements.push(
        sql(
          'INSERT INTO replay_guard (webhook_id, client_id, fingerprint, seen_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
          r.webhookId,
          r.clientId,
          bound,
          r.now,
        ),
      );
    }
    if (r.idempotencyKey !== undefined) {
      // Only claim the key when the webhook-id is not already bound to another request:
      // a refused replay must leave nothing behind.
      statements.push(
        sql(
          `INSERT INTO idempotency (client_id, key, fingerprint, state, locked_until, created_at, expires_at)
           SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), 'in_flight', CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT)
           WHERE NOT EXISTS (SELECT 1 FROM replay_guard WHERE client_id = ? AND webhook_id = ? AND fingerprint <> ?)
           ON CONFLICT DO NOTHING`,
          r.clientId,
          r.idempotencyKey,
          r.fingerprint,
          r.now + r.inFlightLockMs,
          r.now,
          r.now + r.idempotencyTtlMs,
          r.clientId,
          r.webhookId ?? '',
          bound,
        ),
      );
    }
    const changes = statements.length ? await this.driver.batch(statements) : [];

    if (r.webhookId && changes[0] === 0) {
      const seen = await this.replaySeen(r.clientId, r.webhookId);
      // Reads have no idempotency record to answer from: any second use of their id is a replay.
      if (seen && (seen.fingerprint !== bound || r.idempotencyKey === undefined)) {
        return { kind: 'webhook_reused', firstSeenAt: seen.seenAt };
      }
    }
    if (r.idempotencyKey === undefined) return { kind: 'fresh' };
    if (changes.at(-1) === 1) return { kind: 'fresh' };
    return this.resolveExistingKey(r);
  }

  async replaySeen(clientId: string, webhookId: string): Promise<{ fingerprint: string; seenAt: number } | undefined> {
    const [row] = await this.driver.all<{ fingerprint: string; seen_at: number }>(
      'SELECT fingerprint, seen_at FROM replay_guard WHERE client_id = ? AND webhook_id = ?',
      [clientId, webhookId],
    );
    return row ? { fingerprint: row.fingerprint, seenAt: row.seen_at } : undefined;
  }

  private async resolveExistingKey(r: AdmitRequest): Promise<AdmitResult> {
    const key = r.idempotencyKey as string;
    const [row] = await this.driver.all<IdempotencyRow>(
      'SELECT fingerprint, state, locked_until, status, headers, body, expires_at FROM idempotency WHERE client_id = ? AND key = ?',
      [r.clientId, key],
    );
    if (!row) {
      // Released between our insert and this read (the first attempt was refused): try once more.
      return this.admitOnce({ ...r, webhookId: undefined });
    }
    const expired = row.expires_at <= r.now;
    const abandoned = row.state === 'in_flight' && (row.locked_until ?? 0) <= r.now;
    if (expired || abandoned) {
      // Take over an expired record or an attempt whose process died, if nobody else did first.
      const [taken] = await this.driver.batch([
        sql(
          `UPDATE idempotency SET fingerprint = ?, state = 'in_flight', locked_until = ?, status = NULL, headers = NULL,
             body = NULL, created_at = ?, expires_at = ?
           WHERE client_id = ? AND key = ? AND (expires_at <= ? OR (state = 'in_flight' AND locked_until <= ?))`,
          r.fingerprint,
          r.now + r.inFlightLockMs,
          r.now,
          r.now + r.idempotencyTtlMs,
          r.clientId,
          key,
          r.now,
          r.now,
        ),
      ]);
      if (taken === 1) return { kind: 'fresh' };
      return { kind: 'in_flight', retryAfterMs: r.inFlightLockMs };
    }
    if (row.fingerprint !== r.fingerprint) return { kind: 'key_mismatch' };
    if (row.state === 'in_flight') return { kind: 'in_flight', retryAfterMs: Math.max(0, (row.locked_until ?? r.now) - r.now) };
    const response: StoredResponse = {
      status: row.status ?? 200,
      headers: row.headers ? (JSON.parse(row.headers) as Record<string, string>) : {},
      body: row.body ?? '',
    };
    return { kind: 'replay', response };
  }

  commit(work: UnitOfWork): Promise<AuditEvent[]> {
    const statements: SqlStatement[] = runWorkStatements(work);
    // First, so a lost lease fails the transaction before anything else is written.
    if (work.fence) statements.unshift(fenceStatement(work.fence.held, work.fence.at));
    if (work.complete) {
      const { clientId, key, response } = work.complete;
      statements.push(
        sql(
          `UPDATE idempotency SET state = 'done', locked_until = NULL, status = ?, headers = ?, body = ?
           WHERE client_id = ? AND key = ?`,
          response.status,
          JSON.stringify(response.headers),
          response.body,
          clientId,
          key,
        ),
      );
    }
    if (work.release) {
      statements.push(
        sql(
          "DELETE FROM idempotency WHERE client_id = ? AND key = ? AND state = 'in_flight'",
          work.release.clientId,
          work.release.key,
        ),
      );
    }
    const held = work.complete ?? work.release;
    const id = held ? `${held.clientId}\n${held.key}` : undefined;
    return this.appender.commit(work.audit, statements).then(
      (events) => {
        if (id) this.claims.delete(id);
        return events;
      },
      (error: unknown) => {
        if (held && id && isStoreUnavailable(error)) {
          this.unreleased.set(id, { clientId: held.clientId, key: held.key, claimedAt: this.claims.get(id) });
          this.claims.delete(id);
        }
        if (work.fence && isFenceViolation(error)) throw new LeaseLost(work.fence.held.lease);
        // The only unique key a decision can break is its run's (audit seq clashes are retried by the appender).
        if (work.runDecisions?.length && this.driver.isUniqueViolation(error)) throw new RunAlreadyDecided(error);
        throw error;
      },
    );
  }

  private async releaseUnreleased(): Promise<void> {
    const keys = [...this.unreleased.entries()];
    await this.driver.batch(
      keys.map(([, k]) =>
        k.claimedAt === undefined
          ? sql("DELETE FROM idempotency WHERE client_id = ? AND key = ? AND state = 'in_flight'", k.clientId, k.key)
          : sql("DELETE FROM idempotency WHERE client_id = ? AND key = ? AND state = 'in_flight' AND created_at = ?", k.clientId, k.key, k.claimedAt),
      ),
    );
    for (const [id] of keys) this.unreleased.delete(id);
  }

  async releaseInFlight(takenBefore: number): Promise<number> {
    // On a database shared by replicas an in-flight record may be a live peer's: leave it to its lock.
    if (this.shared) return 0;
    const [released = 0] = await this.driver.batch([
      sql("DELETE FROM idempotency WHERE state = 'in_flight' AND created_at < ?", takenBefore),
    ]);
    return released;
  }

  async prune(now: number, replayWindowMs: number): Promise<{ replay: number; idempotency: number }> {
    const [replay = 0, idempotency = 0] = await this.driver.batch([
      sql('DELETE FROM replay_guard WHERE seen_at < ?', now - replayWindowMs),
      sql('DELETE FROM idempotency WHERE expires_at <= ?', now),
    ]);
    return { replay, idempotency };
  }

  async auditAfter(seq: number, limit: number): Promise<AuditEvent[]> {
    const rows = await this.driver.all<{ prev_hash: string; hash: string; event: string }>(
      'SELECT prev_hash, hash, event FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?',
      [seq, limit],
    );
    return rows.map((row) => ({ ...(JSON.parse(row.event) as AuditEvent), prev_hash: row.prev_hash, hash: row.hash }));
  }

  auditHead(): Promise<{ seq: number; hash: string }> {
    return this.appender.readHead();
  }

  async ping(): Promise<void> {
    await this.driver.all('SELECT 1');
    if (this.unreleased.size) await this.releaseUnreleased();
  }
}

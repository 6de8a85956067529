import type { Fence, LeaseStore } from '../types.ts';
import { type SqlDriver, type SqlStatement, sql } from './driver.ts';

interface LeaseRow {
  name: string;
  owner: string;
  token: number | string;
  expires_at: number | string;
}

/**
 * Leases as rows (migrations/0016_b_leases.sql), in the SQL every engine shares: one upsert takes a
 * free or expired lease (the token grows) or renews our own (the token stays), and a fenced commit
 * re-checks the token inside its own transaction. Engines return BIGINT as a string or a number; both
 * are read with Number().
 */
export class SqlLeaseStore implements LeaseStore {
  private readonly driver: SqlDriver;
  constructor(driver: SqlDriver) {
    this.driver = driver;
  }

  async acquire(name: string, owner: string, ttlMs: number, now: number): Promise<Fence | undefined> {
    const [changed] = await this.driver.batch([
      sql(
        `INSERT INTO leases (name, owner, token, acquired_at, expires_at) VALUES (?, ?, 1, ?, ?)
         ON CONFLICT (name) DO UPDATE SET
           token = CASE WHEN leases.owner = excluded.owner AND leases.expires_at > ? THEN leases.token ELSE leases.token + 1 END,
           acquired_at = CASE WHEN leases.owner = excluded.owner AND leases.expires_at > ? THEN leases.acquired_at ELSE excluded.acquired_at END,
           owner = excluded.owner,
           expires_at = excluded.expires_at
         WHERE leases.owner = excluded.owner OR leases.expires_at <= ?`,
        name,
        owner,
        now,
        now + ttlMs,
        now,
        now,
        now,
      ),
    ]);
    if (!changed) return undefined;
    const [row] = await this.driver.all<LeaseRow>('SELECT name, owner, token, expires_at FROM leases WHERE name = ? AND owner = ?', [name, owner]);
    return row ? { lease: name, owner, token: Number(row.token), expiresAt: Number(row.expires_at) } : undefined;
  }

  async holds(fence: Fence, now: number): Promise<boolean> {
    const rows = await this.driver.all<{ token: number | string }>(
      'SELECT token FROM leases WHERE name = ? AND owner = ? AND token = ? AND expires_at > ?',
      [fence.lease, fence.owner, fence.token, now],
    );
    return rows.length === 1;
  }

  async release(fence: Fence, now: number): Promise<void> {
    await this.driver.batch([
      sql('UPDATE leases SET expires_at = ? WHERE name = ? AND owner = ? AND token = ?', now, fence.lease, fence.owner, fence.token),
    ]);
  }

  async holders(now: number): Promise<{ lease: string; owner: string; token: number; expiresAt: number }[]> {
    const rows = await this.driver.all<LeaseRow>('SELECT name, owner, token, expires_at FROM leases WHERE expires_at > ? ORDER BY name', [now]);
    return rows.map((r) => ({ lease: r.name, owner: r.owner, token: Number(r.token), expiresAt: Number(r.expires_at) }));
  }
}

/**
 * The statement a fenced commit starts with: it inserts into lease_fence (whose CHECK refuses every
 * row) only when the lease is no longer held with this token at `now`, so a commit by a replica that
 * lost its lease fails as a whole instead of writing outcomes over its successor's.
 */
export function fenceStatement(fence: Fence, now: number): SqlStatement {
  return sql(
    `INSERT INTO lease_fence (lost) SELECT 1 WHERE NOT EXISTS
       (SELECT 1 FROM leases WHERE name = ? AND owner = ? AND token = ? AND expires_at > ?)`,
    fence.lease,
    fence.owner,
    fence.token,
    now,
  );
}

/** True when a commit failed because its fence did (the lease_fence CHECK), on any engine. */
export const isFenceViolation = (error: unknown): boolean => /lease_fence|CHECK constraint failed: lost/i.test(String(error instanceof Error ? `${error.message} ${(error as { constraint?: string }).constraint ?? ''}` : error));

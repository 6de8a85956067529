import type { SqlDriver, SqlStatement } from '../sql/driver.ts';
import { SqlStore } from '../sql/store.ts';

/** The subset of Cloudflare's D1Database binding the driver uses (kept local so src/ needs no Workers types). */
export interface D1Like {
  prepare(query: string): D1StatementLike;
  batch(statements: D1StatementLike[]): Promise<{ meta: { changes?: number } }[]>;
}
export interface D1StatementLike {
  bind(...values: unknown[]): D1StatementLike;
  all<T>(): Promise<{ results: T[] }>;
}

/** D1 as a SqlDriver: `batch()` runs its statements in one transaction, as the store requires. */
export class D1Driver implements SqlDriver {
  private readonly db: D1Like;
  constructor(db: D1Like) {
    this.db = db;
  }

  async all<T>(text: string, params: unknown[] = []): Promise<T[]> {
    const { results } = await this.db.prepare(text).bind(...params).all<T>();
    return results;
  }

  async batch(statements: SqlStatement[]): Promise<number[]> {
    const results = await this.db.batch(statements.map((s) => this.db.prepare(s.sql).bind(...s.params)));
    return results.map((r) => r.meta.changes ?? 0);
  }

  isUniqueViolation(error: unknown): boolean {
    return /UNIQUE constraint failed|PRIMARY KEY/i.test(String((error as Error | null)?.message ?? error));
  }
}

export function createD1Store(db: D1Like, now?: () => number): SqlStore {
  return new SqlStore(new D1Driver(db), now);
}

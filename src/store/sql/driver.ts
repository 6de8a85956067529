/** A parameterised SQL statement. */
export interface SqlStatement {
  sql: string;
  params: unknown[];
}

/**
 * The little a SQL engine must offer for the SQL store to run on it: node:sqlite on Node,
 * D1 on Workers. Both speak SQLite, so the store's SQL is written once.
 */
export interface SqlDriver {
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs the statements in one transaction; on any failure nothing is applied. Returns rows changed per statement. */
  batch(statements: SqlStatement[]): Promise<number[]>;
  /** True when an error is a UNIQUE / PRIMARY KEY constraint violation (another writer won a race). */
  isUniqueViolation(error: unknown): boolean;
}

export const sql = (text: string, ...params: unknown[]): SqlStatement => ({ sql: text, params });

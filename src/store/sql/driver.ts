/** A parameterised SQL statement. */
export interface SqlStatement {
  sql: string;
  params: unknown[];
}

/**
 * The little a SQL engine must offer for the SQL store to run on it: node:sqlite on Node,
 * D1 on Workers, PostgreSQL (src/store/postgres/). The store's SQL is written once, in the
 * subset the engines share (`?` placeholders, ON CONFLICT upserts, TEXT/INTEGER/BIGINT/REAL);
 * what cannot be shared is the driver's (`dialect`, `serialized`).
 */
export interface SqlDriver {
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs the statements in one transaction; on any failure nothing is applied. Returns rows changed per statement. */
  batch(statements: SqlStatement[]): Promise<number[]>;
  /** True when an error is a UNIQUE / PRIMARY KEY constraint violation (another writer won a race). */
  isUniqueViolation(error: unknown): boolean;
  /** SQL fragments that differ between engines; SQLite's when absent. */
  readonly dialect?: SqlDialect;
  /**
   * Engines with concurrent writers (PostgreSQL): runs `fn` in one transaction that first takes the
   * transaction-scoped lock named `lock` (held until commit or rollback), so every writer that takes
   * the same lock commits in the order it took it. Absent on SQLite and D1, whose writers are
   * serialized by the engine itself.
   */
  serialized?<T>(lock: string, fn: (tx: SqlTransaction) => Promise<T>): Promise<T>;
}

/** An open transaction of `SqlDriver.serialized`. */
export interface SqlTransaction {
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs one statement; returns the rows it changed. */
  run(statement: SqlStatement): Promise<number>;
  /** Runs `fn` inside a savepoint: when it throws, only its own writes are undone, and the error is rethrown. */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
}

export interface SqlDialect {
  /** An aggregate concatenating `expr` over the rows, in `order`, with no separator. */
  concatRows(expr: string, order: string): string;
  /** A newline character, as an SQL expression. */
  newline: string;
}

/** SQLite's (node:sqlite and D1): group_concat keeps the order of an ordered subquery. */
export const sqliteDialect: SqlDialect = {
  concatRows: (expr) => `group_concat(${expr}, '')`,
  newline: 'char(10)',
};

export const dialectOf = (driver: SqlDriver): SqlDialect => driver.dialect ?? sqliteDialect;

export const sql = (text: string, ...params: unknown[]): SqlStatement => ({ sql: text, params });

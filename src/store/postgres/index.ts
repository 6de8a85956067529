/**
 * PostgreSQL as a SqlDriver, on node-postgres (`pg`): the SQL store (src/store/sql/) runs on it
 * unchanged. What differs between the engines is kept here:
 * - placeholders: the store writes `?`, PostgreSQL wants `$1, $2, ...` (rewritten once per query text);
 * - types in migrations: SQLite's INTEGER is 64-bit, PostgreSQL's 32-bit, so DDL INTEGER becomes BIGINT
 *   (and REAL, 8 bytes in SQLite, DOUBLE PRECISION); BIGINT columns are read back as JS numbers;
 * - concurrent writers: `serialized()` takes a transaction-scoped advisory lock, so audit appends from
 *   any number of processes commit in seq order (src/store/sql/audit-append.ts);
 * - errors: an unreachable database becomes StoreUnavailableError (503 at the edge), a unique
 *   violation carries SQLite's wording ("UNIQUE constraint failed: <table>") for the callers that match it.
 * Migrations are applied at start under a session advisory lock, so replicas starting together apply them once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { SchemaTooNewError, StoreUnavailableError, assertKnownSchema } from '../errors.ts';
import type { SqlDialect, SqlDriver, SqlStatement, SqlTransaction } from '../sql/driver.ts';
import { SqlStore } from '../sql/store.ts';
import { migrationsDir } from '../sqlite/index.ts';

export { SchemaTooNewError };

/** OIDs (pg_type): int8 and numeric are read as JS numbers, as node:sqlite reads INTEGER. */
const INT8_OID = 20;
const NUMERIC_OID = 1700;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID || oid === NUMERIC_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** `?` placeholders to `$n`, outside string literals, quoted identifiers and comments. */
export function toPgPlaceholders(text: string): string {
  let out = '';
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      const stop = end === -1 ? text.length : end + 1;
      out += text.slice(i, stop);
      i = stop - 1;
    } else if (ch === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      out += text.slice(i, stop);
      i = stop - 1;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else {
      out += ch;
    }
  }
  return out;
}

/** The migrations' SQLite column types as PostgreSQL's of the same width. */
export function toPgDdl(text: string): string {
  return text
    .replace(/\bINTEGER\b/gi, 'BIGINT')
    .replace(/\bREAL\b/gi, 'DOUBLE PRECISION')
    .replace(/\bBLOB\b/gi, 'BYTEA');
}

/** Two int4 keys for pg_advisory_lock from a lock name (FNV-1a), so names stay readable in code. */
export function advisoryKey(name: string): [number, number] {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return [h1 | 0, h2 | 0];
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
/** SQLSTATE: class 08 connection exception, admin/crash shutdown, cannot connect now, too many connections. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** True when an error means the database cannot be reached now (as opposed to a refused statement). */
export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08')) return true;
  return /Connection terminated|timeout exceeded when trying to connect|connection timeout|encountered a connection error|not queryable|Query read timeout/i.test(
    String(e?.message ?? ''),
  );
}

/** Where a connection string points, for messages: host, port, database and user, never the password. */
export function describeTarget(url: string): { host: string; port: string; database: string; user: string; password: string } {
  try {
    const u = new URL(url);
    const host = decodeURIComponent(u.hostname) || u.searchParams.get('host') || 'localhost';
    return {
      host: host.replace(/^\[|\]$/g, ''),
      port: u.port || u.searchParams.get('port') || '5432',
      database: decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || 'postgres',
      user: decodeURIComponent(u.username) || 'postgres',
      password: decodeURIComponent(u.password),
    };
  } catch {
    return { host: '(unparsable URL)', port: '', database: '', user: '', password: '' };
  }
}

export interface PgDriverOptions {
  /** A postgres:// connection string (from a secret: it may carry the password). */
  url: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** How long to wait for a connection before the call is answered 503 (default 5 s). */
  connectTimeoutMs?: number;
  /** Where errors of idle connections go (the pool replaces them). */
  onIdleError?: (error: Error) => void;
}

export class PgDriver implements SqlDriver {
  readonly pool: pg.Pool;
  readonly dialect: SqlDialect = {
    concatRows: (expr, order) => `string_agg(${expr}, '' ORDER BY ${order})`,
    newline: 'chr(10)',
  };
  private readonly target: ReturnType<typeof describeTarget>;
  private readonly texts = new Map<string, string>();

  constructor(options: PgDriverOptions) {
    this.target = describeTarget(options.url);
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      keepAlive: true,
      types,
    });
    // An idle connection the server (or the network) dropped: the pool discards it and opens another
    // when needed. Without a listener the error would end the process.
    this.pool.on('error', (error) => options.onIdleError?.(error));
  }

  /** "127.0.0.1:5432 (database x, user y)": where this driver connects, without the password. */
  get where(): string {
    const { host, port, database, user } = this.target;
    return `${host}:${port} (database ${database}, user ${user})`;
  }

  private text(query: string): string {
    let converted = this.texts.get(query);
    if (converted === undefined) {
      converted = toPgPlaceholders(query);
      this.texts.set(query, converted);
    }
    return converted;
  }

  /** The error as callers expect it: StoreUnavailableError, a unique violation in SQLite's words, or itself. */
  translate(error: unknown): unknown {
    if (error instanceof StoreUnavailableError) return error;
    if (isConnectionError(error)) {
      return new StoreUnavailableError(`PostgreSQL at ${this.where} is unreachable: ${this.redact(String((error as Error)?.message ?? error))}`, {
        cause: error,
      });
    }
    const e = error as { code?: string; table?: string; constraint?: string; message?: string } | null;
    if (e?.code === '23505') {
      return Object.assign(new Error(`UNIQUE constraint failed: ${e.table ?? ''} (${e.constraint ?? ''}): ${e.message ?? ''}`, { cause: error }), {
        code: '23505',
      });
    }
    return error;
  }

  /** Never lets the password through into a message (a driver error could quote the URL). */
  redact(message: string): string {
    const { password } = this.target;
    return password ? message.split(password).join('***') : message;
  }

  private params(values: unknown[] | undefined): unknown[] {
    return (values ?? []).map((v) => (v === undefined ? null : v));
  }

  async all<T>(query: string, params?: unknown[]): Promise<T[]> {
    try {
      const result = await this.pool.query(this.text(query), this.params(params));
      return result.rows as T[];
    } catch (error) {
      throw this.translate(error);
    }
  }

  async batch(statements: SqlStatement[]): Promise<number[]> {
    return this.transaction(async (client) => {
      const changes: number[] = [];
      for (const s of statements) changes.push((await client.query(this.text(s.sql), this.params(s.params))).rowCount ?? 0);
      return changes;
    });
  }

  serialized<T>(lock: string, fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', advisoryKey(lock));
      let savepoints = 0;
      const tx: SqlTransaction = {
        all: async <R>(query: string, params?: unknown[]) => (await client.query(this.text(query), this.params(params))).rows as R[],
        run: async (s) => (await client.query(this.text(s.sql), this.params(s.params))).rowCount ?? 0,
        savepoint: async (inner) => {
          const name = `sp_${++savepoints}`;
          await client.query(`SAVEPOINT ${name}`);
          try {
            const value = await inner();
            await client.query(`RELEASE SAVEPOINT ${name}`);
            return value;
          } catch (error) {
            // A lost connection cannot roll back to a savepoint: the whole transaction is gone anyway.
            if (!isConnectionError(error)) await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
            throw this.translate(error);
          }
        },
      };
      return fn(tx);
    });
  }

  /** BEGIN ... COMMIT on one pooled connection; a connection that failed is discarded, not reused. */
  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw this.translate(error);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const value = await fn(client);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      if (isConnectionError(error)) broken = error as Error;
      else await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw this.translate(error);
    } finally {
      client.release(broken);
    }
  }

  isUniqueViolation(error: unknown): boolean {
    const e = error as { code?: string; cause?: { code?: string } } | null;
    return e?.code === '23505' || e?.cause?.code === '23505';
  }

  /** Checks that the server answers, with a message naming host and cause (never the password) when it does not. */
  async connectOrExplain(): Promise<void> {
    try {
      const client = await this.pool.connect();
      client.release();
    } catch (error) {
      const e = error as { code?: string; message?: string };
      const cause = this.redact(e.message || e.code || String(error)) + (e.code && !e.message?.includes(e.code) ? ` (${e.code})` : '');
      throw new StoreUnavailableError(`cannot connect to the PostgreSQL store at ${this.where}: ${cause}`, { cause: error });
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** The lock that serializes migrations across replicas starting together (a session lock, released after). */
export const MIGRATIONS_LOCK = 'portcullis.migrations';

/**
 * Applies every migrations/*.sql file not yet recorded, each in its own transaction, in name order,
 * holding a session advisory lock: a replica that starts while another migrates waits, then finds
 * the work done. A database that applied migrations this build does not ship is refused.
 */
export async function applyPostgresMigrations(driver: PgDriver, dir = migrationsDir): Promise<string[]> {
  const client = await driver.pool.connect().catch((error: unknown) => {
    throw driver.translate(error);
  });
  const key = advisoryKey(MIGRATIONS_LOCK);
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', key);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS portcullis_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
      const done = new Set((await client.query<{ name: string }>('SELECT name FROM portcullis_migrations')).rows.map((r) => r.name));
      const known = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
      assertKnownSchema(done, known, `the PostgreSQL database at ${driver.where}`);
      const applied: string[] = [];
      for (const name of known) {
        if (done.has(name)) continue;
        await client.query('BEGIN');
        try {
          // No parameters: the simple query protocol runs the file's statements in one go.
          await client.query(toPgDdl(readFileSync(join(dir, name), 'utf8')));
          await client.query('INSERT INTO portcullis_migrations (name, applied_at) VALUES ($1, $2)', [name, new Date().toISOString()]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`migration ${name} failed on PostgreSQL: ${(error as Error).message}`, { cause: error });
        }
        applied.push(name);
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', key).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}

export interface PostgresStoreOptions extends PgDriverOptions {
  now?: () => number;
  migrations?: string;
}

/** Connects (a clear error when it cannot), migrates under the lock, and returns the store. */
export async function createPostgresStore(
  options: PostgresStoreOptions,
): Promise<{ store: SqlStore; driver: PgDriver; close(): Promise<void> }> {
  const driver = new PgDriver(options);
  try {
    await driver.connectOrExplain();
    await applyPostgresMigrations(driver, options.migrations);
  } catch (error) {
    await driver.close().catch(() => undefined);
    throw error;
  }
  return { store: new SqlStore(driver, options.now, { shared: true }), driver, close: () => driver.close() };
}

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { assertKnownSchema } from '../errors.ts';
import type { SqlDriver, SqlStatement } from '../sql/driver.ts';
import { SqlStore } from '../sql/store.ts';

/** The migrations folder shared with `wrangler d1 migrations` (see wrangler.toml). */
export const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), '../../../migrations');

/** What node:sqlite binds: https://nodejs.org/api/sqlite.html#type-conversion-between-javascript-and-sqlite */
type SqlValue = null | number | bigint | string | NodeJS.ArrayBufferView;

/** Extended result codes (https://www.sqlite.org/rescode.html): node:sqlite reports them as `errcode`. */
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_UNIQUE = 2067;

interface QueuedBatch {
  statements: SqlStatement[];
  resolve(changes: number[]): void;
  reject(error: unknown): void;
}

/**
 * node:sqlite as a SqlDriver, with group commit: batches that arrive while the event loop is busy
 * are written in one transaction, each inside its own SAVEPOINT, so each stays all-or-nothing on its
 * own (a failing batch is rolled back to its savepoint and rejected; the others commit). One WAL commit
 * then carries many requests' writes instead of one each. Promises resolve only after COMMIT.
 */
export class SqliteDriver implements SqlDriver {
  readonly db: DatabaseSync;
  private readonly cache = new Map<string, StatementSync>();
  private queue: QueuedBatch[] = [];
  constructor(db: DatabaseSync) {
    this.db = db;
  }

  private prepare(text: string): StatementSync {
    let statement = this.cache.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.cache.set(text, statement);
    }
    return statement;
  }

  async all<T>(text: string, params: unknown[] = []): Promise<T[]> {
    return this.prepare(text).all(...(params as SqlValue[])) as T[];
  }

  batch(statements: SqlStatement[]): Promise<number[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ statements, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const group = this.queue;
    this.queue = [];
    const outcomes: ({ ok: true; changes: number[] } | { ok: false; error: unknown })[] = [];
    // A lone batch needs no savepoint: its transaction is its boundary.
    const savepoints = group.length > 1;
    try {
      this.prepare('BEGIN IMMEDIATE').run();
      for (const batch of group) {
        if (savepoints) this.prepare('SAVEPOINT batch').run();
        try {
          const changes = batch.statements.map((s) => Number(this.prepare(s.sql).run(...(s.params as SqlValue[])).changes));
          if (savepoints) this.prepare('RELEASE batch').run();
          outcomes.push({ ok: true, changes });
        } catch (error) {
          if (!savepoints) throw error;
          this.prepare('ROLLBACK TO batch').run();
          this.prepare('RELEASE batch').run();
          outcomes.push({ ok: false, error });
        }
      }
      this.prepare('COMMIT').run();
    } catch (error) {
      if (this.db.isTransaction) this.prepare('ROLLBACK').run();
      for (const batch of group) batch.reject(error);
      return;
    }
    group.forEach((batch, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) batch.resolve(outcome.changes);
      else batch.reject(outcome?.error);
    });
  }

  isUniqueViolation(error: unknown): boolean {
    const errcode = (error as { errcode?: number } | null)?.errcode;
    return errcode === SQLITE_CONSTRAINT_PRIMARYKEY || errcode === SQLITE_CONSTRAINT_UNIQUE;
  }
}

/**
 * Opens (or creates) the SQLite file, in WAL mode with NORMAL sync (durable across process crashes;
 * the last transactions can be lost only on power loss, as WAL documents), and applies pending migrations.
 */
export function openSqlite(path: string): { db: DatabaseSync; driver: SqliteDriver } {
  const db = new DatabaseSync(path, { timeout: 5000 });
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  applyMigrations(db);
  return { db, driver: new SqliteDriver(db) };
}

/** Applies every migrations/*.sql file not yet recorded, each in its own transaction, in name order. */
export function applyMigrations(db: DatabaseSync, dir = migrationsDir): string[] {
  db.exec('CREATE TABLE IF NOT EXISTS portcullis_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const done = new Set(
    (db.prepare('SELECT name FROM portcullis_migrations').all() as { name: string }[]).map((r) => r.name),
  );
  const known = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  assertKnownSchema(done, known, `the SQLite database ${db.location() ?? ''}`.trim());
  const applied: string[] = [];
  for (const name of known) {
    if (done.has(name)) continue;
    const text = readFileSync(join(dir, name), 'utf8');
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(text);
      db.prepare('INSERT INTO portcullis_migrations (name, applied_at) VALUES (?, ?)').run(name, new Date().toISOString());
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
    applied.push(name);
  }
  return applied;
}

export function createSqliteStore(path: string, now?: () => number): { store: SqlStore; close(): void; driver: SqliteDriver } {
  const { db, driver } = openSqlite(path);
  return { store: new SqlStore(driver, now), driver, close: () => db.close() };
}

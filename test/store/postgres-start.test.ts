/**
 * Starting on PostgreSQL: replicas starting together apply the migrations once (under an advisory
 * lock), a database with a newer schema is refused, and an unreachable server is named (host and
 * cause) without the password.
 */
import { createServer } from 'node:net';
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SchemaTooNewError, StoreUnavailableError } from '../../src/store/errors.ts';
import { createPostgresStore } from '../../src/store/postgres/index.ts';
import { migrationsDir } from '../../src/store/sqlite/index.ts';
import { type TestDatabase, createTestDatabase } from '../support/postgres.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const query = async <T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> => {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
};

it('applies every migration exactly once when six replicas start together on a fresh database', async () => {
  const started = await Promise.all(Array.from({ length: 6 }, () => createPostgresStore({ url: db.url })));
  try {
    const rows = await query<{ name: string }>('SELECT name FROM portcullis_migrations ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(readdirSync(migrationsDir).filter((f) => f.endsWith('.sql')).sort());
    // Every replica works on the one schema.
    await Promise.all(started.map((s, i) => s.store.commit({ audit: [{ action: `start.${i}`, outcome: 'success' }] })));
    expect((await started[0]?.store.auditAfter(0, 10))?.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    // 64-bit columns: the migrations' INTEGER is BIGINT on PostgreSQL.
    const [type] = await query<{ data_type: string }>(
      "SELECT data_type FROM information_schema.columns WHERE table_name = 'idempotency' AND column_name = 'expires_at'",
    );
    expect(type?.data_type).toBe('bigint');
  } finally {
    await Promise.all(started.map((s) => s.close()));
  }
});

it('refuses to start on a database whose schema is newer than this build, naming the migration', async () => {
  await query('INSERT INTO portcullis_migrations (name, applied_at) VALUES ($1, $2)', ['9999_from_a_newer_release.sql', 'now']);
  try {
    const error = await createPostgresStore({ url: db.url }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SchemaTooNewError);
    expect(String(error)).toMatch(/newer schema than this build of portcullis knows: it applied migration 9999_from_a_newer_release\.sql/);
    expect(String(error)).toMatch(/127\.0\.0\.1:5432 \(database pc_test_/);
  } finally {
    await query('DELETE FROM portcullis_migrations WHERE name = $1', ['9999_from_a_newer_release.sql']);
  }
});

it('names the host and the cause when the server is unreachable, never the password', async () => {
  // A port that was just free: nothing listens there.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const canary = 'canary-Pa55word-7f3b9';
  const error = await createPostgresStore({ url: `postgres://portcullis:${canary}@127.0.0.1:${port}/portcullis` }).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(StoreUnavailableError);
  expect(error?.message).toMatch(new RegExp(`cannot connect to the PostgreSQL store at 127\\.0\\.0\\.1:${port} \\(database portcullis, user portcullis\\): .*ECONNREFUSED`));
  expect(JSON.stringify({ message: error?.message, stack: error?.stack })).not.toContain(canary);
});

/**
 * A real PostgreSQL server for the tests (127.0.0.1:5432, user postgres, trust; `.ci/run` starts it):
 * each test file creates its own database, pc_test_<random>, and drops it afterwards.
 * PORTCULLIS_TEST_PG overrides the server URL (its path is ignored).
 */
import pg from 'pg';

export const PG_SERVER = process.env.PORTCULLIS_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The server URL with another database name. */
export function pgUrl(database: string, server = PG_SERVER): string {
  const u = new URL(server);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_SERVER, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`the tests need PostgreSQL at ${new URL(PG_SERVER).host} (start it with .ci/run or pg_ctlcluster): ${(error as Error).message}`);
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the test server. */
export async function createTestDatabase(prefix = 'pc_test'): Promise<TestDatabase> {
  const name = `${prefix}_${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: pgUrl(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Empties every table but the migrations record (a fresh store between tests of one file). */
export async function truncateAll(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'portcullis_migrations'",
    );
    if (rows.length) await client.query(`TRUNCATE ${rows.map((r) => `"${r.tablename}"`).join(', ')}`);
  } finally {
    await client.end();
  }
}

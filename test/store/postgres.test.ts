import { afterAll, beforeAll } from 'vitest';
import { createPostgresStore } from '../../src/store/postgres/index.ts';
import { type TestDatabase, createTestDatabase, truncateAll } from '../support/postgres.ts';
import { runStoreContract } from './contract.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

runStoreContract({
  name: 'PostgreSQL (a real server on loopback, node-postgres)',
  async open(now) {
    // The first test migrates the fresh database; later ones find it migrated and start from empty tables.
    await truncateAll(db.url);
    const { store, close } = await createPostgresStore({ url: db.url, now });
    return { store, close };
  },
});

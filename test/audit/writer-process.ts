/**
 * A writer process for the concurrency test: its own SQLite connection (or PostgreSQL pool) and AuditAppender, appending
 * `count` events tagged `tag` in commits of 1 to 3 events, with short random pauses.
 * Run: node bin/run-ts.mjs test/audit/writer-process.ts <db file | postgres:// URL> <tag> <count>
 */
import { createPostgresStore } from '../../src/store/postgres/index.ts';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';

const [db, tag, countText] = process.argv.slice(2);
const count = Number(countText);
// A postgres:// URL: the writer is another replica on the shared PostgreSQL database.
const { store, close } = db?.startsWith('postgres://') ? await createPostgresStore({ url: db, poolSize: 2 }) : createSqliteStore(db as string);
let written = 0;
while (written < count) {
  const n = Math.min(count - written, 1 + Math.floor(Math.random() * 3));
  await store.commit({
    audit: Array.from({ length: n }, (_, k) => ({ action: 'test.write', outcome: 'success' as const, clientId: tag, detail: { n: written + k } })),
  });
  written += n;
  if (Math.random() < 0.3) await new Promise((r) => setTimeout(r, Math.random() * 3));
}
await close();
process.stdout.write(`${tag}:${written}\n`);

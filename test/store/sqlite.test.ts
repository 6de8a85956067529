import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { runStoreContract } from './contract.ts';

runStoreContract({
  name: 'SQLite (node:sqlite, a real file in WAL mode)',
  async open(now) {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-store-'));
    const { store, close } = createSqliteStore(join(dir, 'state.db'), now);
    return { store, close: async () => { close(); rmSync(dir, { recursive: true, force: true }); } };
  },
});

it('refuses to open a SQLite file whose schema is newer than this build', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-store-'));
  try {
    const path = join(dir, 'state.db');
    createSqliteStore(path).close();
    const db = new DatabaseSync(path);
    db.prepare('INSERT INTO portcullis_migrations (name, applied_at) VALUES (?, ?)').run('9999_newer.sql', 'now');
    db.close();
    expect(() => createSqliteStore(path)).toThrow(/newer schema than this build of portcullis knows: it applied migration 9999_newer\.sql/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

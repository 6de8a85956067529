import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

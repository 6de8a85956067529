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

it('fills the block columns of intents and runs written before migration 0017, on first use', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-store-'));
  try {
    const path = join(dir, 'state.db');
    const first = createSqliteStore(path);
    const at = 1_000_000;
    await first.store.commit({
      audit: [],
      runs: [{ id: 'run_old', playbook: 'block-ip', action: 'block', clientId: 'soar', status: 'accepted', inputs: { incident_id: 'INC-7' }, targets: [], createdAt: at, updatedAt: at }],
      upsertIntents: ['203.0.113.0/24', '2001:db8::/48'].map((cidr, i) => ({
        id: `int_old${i}`, runId: 'run_old', kind: 'deny' as const, connectorId: 'aws', targetId: 'sg-1', matchKey: `deny|${cidr}`,
        spec: { cidr }, desired: 'present' as const, state: 'pending' as const, offenses: 1, createdAt: at, updatedAt: at,
      })),
    });
    first.close();
    // As a database migrated from an older build holds them: columns present, values absent.
    const db = new DatabaseSync(path);
    db.exec('UPDATE intents SET net_start = NULL, net_end = NULL, block_key = NULL, run_client_id = NULL, run_incident_id = NULL; UPDATE runs SET incident_id = NULL');
    db.close();
    const again = createSqliteStore(path);
    try {
      const found = await again.store.listBlocks({ limit: 10, containing: { family: 'ipv6', value: 0x20010db8_0000_0001n << 64n }, incident: 'INC-7' });
      expect(found.blocks.map((b) => b.intents.map((i) => i.id))).toEqual([['int_old1']]);
      expect((await again.store.listBlocks({ limit: 10 })).blocks.map((b) => b.key)).toEqual(['4cb00710018i', '620010db800000000000000000000000030i']);
    } finally {
      again.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

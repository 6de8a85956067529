/** Tamper with the stored log each way and check verify names the right seq (and the right reason). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chainHash } from '../../src/audit/chain.ts';
import { checkpointHead, pruneAuditLog } from '../../src/audit/checkpointer.ts';
import type { CheckpointSigner } from '../../src/audit/checkpoint.ts';
import { verifyStore } from '../../src/audit/verify-store.ts';
import type { SqlStore } from '../../src/store/sql/store.ts';
import type { SQLInputValue } from 'node:sqlite';
import { type SqliteDriver, createSqliteStore } from '../../src/store/sqlite/index.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { appendEvents, testSigner } from './support.ts';

let dir: string;
let store: SqlStore;
let driver: SqliteDriver;
let close: () => void;
let signer: CheckpointSigner;
const clock = new FakeClock();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-audit-'));
  ({ store, driver, close } = createSqliteStore(join(dir, 'p.db'), () => clock.now()));
  signer = (await testSigner()).signer;
  await appendEvents(store, 10);
  await checkpointHead(store, signer, clock.now(), 'periodic'); // covers seq 10
  await appendEvents(store, 10, 1, 10); // seq 11..20, after the checkpoint
});
afterEach(() => {
  close();
  rmSync(dir, { recursive: true, force: true });
});

const exec = (text: string, ...params: SQLInputValue[]) => driver.db.prepare(text).run(...params);
const row = (seq: number) => driver.db.prepare('SELECT * FROM audit_events WHERE seq = ?').get(seq) as { event: string; hash: string; prev_hash: string };
const verify = () => verifyStore(store, signer.verifier);

describe('verify on an untouched log', () => {
  it('is ok, checks every event and matches the checkpoint with a verified signature', async () => {
    expect(await verify()).toEqual({ ok: true, checked: 20, firstSeq: 1, lastSeq: 20, checkpointsMatched: 1, signatures: 'verified' });
  });
});

describe('tamper each way: verify names the first bad seq', () => {
  it('modified event content → hash_mismatch at its seq', async () => {
    const original = row(8).event;
    exec('UPDATE audit_events SET event = ? WHERE seq = 8', original.replace('"i":7', '"i":70'));
    expect(row(8).event).not.toBe(original);
    expect((await verify()).fault).toMatchObject({ seq: 8, reason: 'hash_mismatch' });
  });

  it('modified hash column → hash_mismatch at its seq', async () => {
    exec("UPDATE audit_events SET hash = ? WHERE seq = 15", 'f'.repeat(64));
    expect((await verify()).fault).toMatchObject({ seq: 15, reason: 'hash_mismatch' });
  });

  it('modified filter column only (client_id) → column_mismatch at its seq', async () => {
    exec("UPDATE audit_events SET client_id = 'someone-else' WHERE seq = 4");
    expect((await verify()).fault).toMatchObject({ seq: 4, reason: 'column_mismatch' });
  });

  it('deleted event → missing at its seq', async () => {
    exec('DELETE FROM audit_events WHERE seq = 12');
    expect((await verify()).fault).toMatchObject({ seq: 12, reason: 'missing' });
  });

  it('deleted first events (no retention anchor) → unanchored, naming seq 1', async () => {
    exec('DELETE FROM audit_events WHERE seq <= 3');
    expect((await verify()).fault).toMatchObject({ seq: 1, reason: 'unanchored' });
  });

  it('deleted tail covered by a checkpoint → missing after the last event kept', async () => {
    await checkpointHead(store, signer, clock.now(), 'periodic'); // covers seq 20
    exec('DELETE FROM audit_events WHERE seq >= 18');
    expect((await verify()).fault).toMatchObject({ seq: 18, reason: 'missing' });
  });

  it('inserted event (renumbered after it, correctly chained) → out_of_order at the inserted seq', async () => {
    exec('UPDATE audit_events SET seq = seq + 1000 WHERE seq >= 6');
    exec('UPDATE audit_events SET seq = seq - 999 WHERE seq >= 1006');
    const forged = JSON.parse(row(7).event) as Record<string, unknown>; // the original seq 6, now at 7
    const body = JSON.stringify({ ...forged, id: crypto.randomUUID(), seq: 6, detail: { forged: true } });
    const prev = row(5).hash;
    const hash = await chainHash(prev, body);
    exec(
      `INSERT INTO audit_events (seq, id, time, action, outcome, client_id, run_id, playbook, target, prev_hash, hash, event)
       SELECT 6, json_extract(?, '$.id'), time, action, outcome, client_id, run_id, playbook, target, ?, ?, ? FROM audit_events WHERE seq = 7`,
      body, prev, hash, body,
    );
    expect((await verify()).fault).toMatchObject({ seq: 6, reason: 'out_of_order' });
  });

  it('two events swapped → names the first position that is out of place', async () => {
    exec('UPDATE audit_events SET seq = -1 WHERE seq = 8');
    exec('UPDATE audit_events SET seq = 8 WHERE seq = 9');
    exec('UPDATE audit_events SET seq = 9 WHERE seq = -1');
    expect((await verify()).fault).toMatchObject({ seq: 8, reason: 'missing' });
  });

  it('a modified event with the whole chain after it re-hashed → checkpoint_mismatch at the checkpoint', async () => {
    // The attacker rewrites seq 5 and re-hashes 5..20 so every link holds; only the signed checkpoint at 10 disagrees.
    exec('UPDATE audit_events SET event = ? WHERE seq = 5', row(5).event.replace('"i":4', '"i":44'));
    for (let seq = 5; seq <= 20; seq++) {
      const prev = row(seq - 1).hash;
      exec('UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?', prev, await chainHash(prev, row(seq).event), seq);
    }
    expect((await verify()).fault).toMatchObject({ seq: 10, reason: 'checkpoint_mismatch', detail: /after the start of the log were rewritten/ });
  });

  it('a forged checkpoint signature → bad_signature at its seq', async () => {
    exec("UPDATE audit_checkpoints SET hash = ? WHERE seq = 10", 'a'.repeat(64));
    expect((await verify()).fault).toMatchObject({ seq: 10, reason: 'bad_signature' });
  });
});

describe('retention keeps the remaining chain verifiable', () => {
  it('prunes events older than the period behind a signed retention checkpoint, and the chain goes on', async () => {
    clock.advance(10 * 86_400_000);
    await appendEvents(store, 5, 1, 20); // seq 21..25, recent
    const deleted = await pruneAuditLog(store, signer, clock.now(), 86_400_000);
    expect(deleted).toBe(20);
    const anchor = (await store.auditCheckpoints(0, 100)).find((c) => c.kind === 'retention');
    expect(anchor).toMatchObject({ seq: 20, kind: 'retention' });
    await appendEvents(store, 3, 1, 25);
    expect(await verify()).toMatchObject({ ok: true, checked: 8, firstSeq: 21, lastSeq: 28 });
    // Without the anchor the start is unexplained.
    exec("DELETE FROM audit_checkpoints WHERE kind = 'retention'");
    expect((await verify()).fault).toMatchObject({ seq: 1, reason: 'unanchored' });
  });

  it('never prunes the head, so appends continue the chain even when everything is old', async () => {
    clock.advance(10 * 86_400_000);
    expect(await pruneAuditLog(store, signer, clock.now(), 86_400_000)).toBe(19);
    await appendEvents(store, 2, 1, 20);
    expect(await verify()).toMatchObject({ ok: true, firstSeq: 20, lastSeq: 22 });
  });
});

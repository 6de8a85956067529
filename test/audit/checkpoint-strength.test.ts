import type { SQLInputValue } from 'node:sqlite';
/**
 * Issue 9, item 16: tamper evidence as strong as the README says. With a key, deleting checkpoints is
 * detected (they are also recorded as audit.checkpoint events in the chain, which pollers and SIEM
 * exports hold, and in a file next to the database), events older than the checkpoint interval must be
 * covered, and a re-hashed stretch is named by the narrowest seq range the checkpoints allow. Without a
 * key, the README says plainly what passes: this test shows it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chainHash } from '../../src/audit/chain.ts';
import { fileCheckpointLog } from '../../src/audit/checkpoint-file.ts';
import type { CheckpointSigner } from '../../src/audit/checkpoint.ts';
import { type CheckpointLog, checkpointHead } from '../../src/audit/checkpointer.ts';
import { verifyStore } from '../../src/audit/verify-store.ts';
import type { SqlStore } from '../../src/store/sql/store.ts';
import { type SqliteDriver, createSqliteStore } from '../../src/store/sqlite/index.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { appendEvents, testSigner } from './support.ts';

let dir: string;
let store: SqlStore;
let driver: SqliteDriver;
let close: () => void;
let signer: CheckpointSigner;
let file: CheckpointLog;
const clock = new FakeClock();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-cp-'));
  ({ store, driver, close } = createSqliteStore(join(dir, 'portcullis.db'), () => clock.now()));
  signer = (await testSigner()).signer;
  file = fileCheckpointLog(join(dir, 'audit-checkpoints.jsonl'));
});
afterEach(() => {
  close();
  rmSync(dir, { recursive: true, force: true });
});

const exec = (text: string, ...params: SQLInputValue[]) => driver.db.prepare(text).run(...params);
const row = (seq: number) => driver.db.prepare('SELECT * FROM audit_events WHERE seq = ?').get(seq) as { event: string; hash: string };
const checkpoint = () => checkpointHead(store, signer, clock.now(), 'periodic', { record: true, log: file });

/** Rewrites seq `at` and re-hashes everything after it, so every link holds. */
async function rewrite(at: number, through: number): Promise<void> {
  exec('UPDATE audit_events SET event = ? WHERE seq = ?', row(at).event.replace(/"i":(\d+)/, '"i":999'), at);
  for (let seq = at; seq <= through; seq++) {
    const prev = row(seq - 1).hash;
    exec('UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?', prev, await chainHash(prev, row(seq).event), seq);
  }
}

describe('checkpoints outside the checkpoint table', () => {
  it('each checkpoint is an audit.checkpoint event and a line in the file; a quiet log gets no new one', async () => {
    await appendEvents(store, 5);
    const c = await checkpoint();
    expect((await store.auditAfter(5, 10)).map((e) => [e.action, e.detail])).toEqual([
      ['audit.checkpoint', { seq: 5, hash: c?.hash, time: c?.time, kind: 'periodic', key_id: signer.keyId, signature: c?.signature }],
    ]);
    expect(readFileSync(join(dir, 'audit-checkpoints.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect((await checkpoint())?.seq).toBe(5);
    expect(await store.auditHeadSeq()).toBe(6);
    expect(await verifyStore(store, signer.verifier, { external: await file.read() })).toMatchObject({ ok: true, checked: 6, checkpointsMatched: 1 });
  });

  it('deleted checkpoint rows are detected from the event that recorded them, and from the file', async () => {
    await appendEvents(store, 5);
    await checkpoint();
    await appendEvents(store, 4, 1, 5);
    exec('DELETE FROM audit_checkpoints');
    expect((await verifyStore(store, signer.verifier)).fault).toMatchObject({ seq: 5, reason: 'checkpoint_missing', detail: /seq 6 records a signed checkpoint of seq 5/ });
    // Even with the recording event deleted and the chain re-linked, the file still has it.
    exec('DELETE FROM audit_events WHERE seq >= 6');
    expect((await verifyStore(store, signer.verifier, { external: await file.read() })).fault).toMatchObject({
      seq: 5,
      reason: 'checkpoint_missing',
      detail: /in the checkpoint file is missing from the database/,
    });
  });

  it('with a key, events older than the checkpoint interval that no checkpoint covers fail verify', async () => {
    await appendEvents(store, 5);
    clock.advance(2 * 3_600_000);
    await appendEvents(store, 2, 1, 5);
    const coveredBefore = new Date(clock.now() - 3_600_000 - 60_000).toISOString();
    const report = await verifyStore(store, signer.verifier, { coveredBefore });
    expect(report).toMatchObject({ ok: false, checkpointsMatched: 0, fault: { seq: 1, reason: 'checkpoint_missing', range: { from: 1, to: 5 } } });
    // Without a key nothing can be required: the same log verifies, and the report says signatures were not checked.
    expect(await verifyStore(store, undefined, { coveredBefore })).toMatchObject({ ok: true, signatures: 'unchecked' });
  });
});

describe('the narrowest range', () => {
  it('a re-hashed stretch is named between the two checkpoints around it, not from the start of the log', async () => {
    await appendEvents(store, 10);
    await checkpoint(); // covers 10, recorded at 11
    await appendEvents(store, 10, 1, 10); // 12..21
    await checkpoint(); // covers 21, recorded at 22
    await appendEvents(store, 3, 1, 20); // 23..25
    await rewrite(15, 25);
    const report = await verifyStore(store, signer.verifier);
    expect(report.fault).toMatchObject({ seq: 21, reason: 'checkpoint_mismatch', range: { from: 11, to: 21 } });
    expect(report.checked).toBe(20);
  });

  it('without a key a re-hashed chain verifies ok (what the README says plainly)', async () => {
    await appendEvents(store, 10);
    await rewrite(3, 10);
    expect(await verifyStore(store)).toMatchObject({ ok: true, signatures: 'unchecked' });
  });
});

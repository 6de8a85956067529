/**
 * Replicas on one PostgreSQL database (issue 13): the replay guard, idempotency and four-eyes decisions
 * hold across processes through unique constraints and transactions, not process memory. Four real
 * processes race from a common start time on the same keys, webhook-ids and runs.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyStore } from '../../src/audit/verify-store.ts';
import { createPostgresStore } from '../../src/store/postgres/index.ts';
import { type TestDatabase, createTestDatabase, truncateAll } from '../support/postgres.ts';

const REPLICAS = 4;
const COUNT = 40;
const root = resolve(import.meta.dirname, '../..');

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  // Migrated once, before the replicas start.
  await (await createPostgresStore({ url: db.url })).close();
});
afterAll(() => db?.drop());

function replica(tag: string, mode: string, startAt: number): Promise<string[]> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [join(root, 'bin/run-ts.mjs'), 'test/store/replica-process.ts', db.url, tag, mode, String(COUNT), String(startAt)], { cwd: root });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? ok(JSON.parse(out) as string[]) : fail(new Error(`replica ${tag} exited ${code}: ${err}`))));
  });
}

/** Every replica's answer for attempt i, across replicas. */
async function race(mode: string): Promise<string[][]> {
  const startAt = Date.now() + 2_500;
  const all = await Promise.all(Array.from({ length: REPLICAS }, (_, r) => replica(`replica-${r}`, mode, startAt)));
  return Array.from({ length: COUNT }, (_, i) => all.map((answers) => answers[i] as string));
}

it('the same Idempotency-Key from four replicas at once: exactly one runs, the others are told it is in flight', async () => {
  await truncateAll(db.url);
  for (const answers of await race('key')) expect(answers.sort()).toEqual(['fresh', 'in_flight', 'in_flight', 'in_flight']);
}, 60_000);

it('one webhook-id sent with four different requests to four replicas: exactly one is admitted', async () => {
  await truncateAll(db.url);
  for (const answers of await race('webhook')) expect(answers.sort()).toEqual(['fresh', 'webhook_reused', 'webhook_reused', 'webhook_reused']);
  // The refused ones claimed no key.
  const { driver, close } = await createPostgresStore({ url: db.url });
  try {
    expect(await driver.all<{ n: number }>('SELECT count(*) AS n FROM idempotency')).toEqual([{ n: COUNT }]);
  } finally {
    await close();
  }
}, 60_000);

it('four replicas deciding the same runs at once: exactly one decision per run, one chain', async () => {
  await truncateAll(db.url);
  const { store, close } = await createPostgresStore({ url: db.url });
  try {
    const t = Date.now();
    await store.commit({
      audit: [],
      runs: Array.from({ length: COUNT }, (_, i) => ({
        id: `run_${i}`, playbook: 'block-ip', action: 'block', clientId: 'soar', status: 'pending_approval' as const,
        inputs: {}, targets: [], createdAt: t, updatedAt: t,
      })),
    });
    for (const answers of await race('decide')) {
      expect(answers.filter((a) => a === 'ok')).toHaveLength(1);
      for (const lost of answers.filter((a) => a !== 'ok')) expect(lost).toMatch(/UNIQUE constraint failed: run_decisions/);
    }
    const events = await store.auditAfter(0, 1_000);
    expect(events.filter((e) => e.action === 'run.approved')).toHaveLength(COUNT);
    expect(new Set(events.map((e) => e.run_id)).size).toBe(COUNT);
    expect(await verifyStore(store)).toMatchObject({ ok: true, checked: COUNT });
  } finally {
    await close();
  }
}, 60_000);

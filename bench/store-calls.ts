/**
 * The store's share of a signed call (issue 13), on SQLite and on PostgreSQL: admit (replay guard +
 * idempotency claim, one transaction) then commit (one audit event + the stored response, one
 * transaction), `--concurrency` at a time per process, for `--seconds`. PostgreSQL runs with one and
 * with two writer processes on one database (the audit advisory lock serializes their appends).
 *
 *   node bin/run-ts.mjs bench/store-calls.ts [--seconds 5] [--concurrency 16]
 *
 * Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust), or PORTCULLIS_TEST_PG.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresStore } from '../src/store/postgres/index.ts';
import { createSqliteStore } from '../src/store/sqlite/index.ts';
import type { Store } from '../src/store/types.ts';
import { createTestDatabase } from '../test/support/postgres.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const seconds = arg('seconds', 5);
const concurrency = arg('concurrency', 16);
const response = { status: 202, headers: { 'content-type': 'application/json' }, body: '{"id":"run_x"}' };

/** Calls completed by `concurrency` loops until `until`. */
async function drive(store: Store, tag: string, until: number): Promise<number> {
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; Date.now() < until; i++) {
        const key = `${tag}-${w}-${i}`;
        const now = Date.now();
        const admitted = await store.admit({
          clientId: 'bench', webhookId: key, fingerprint: 'f', idempotencyKey: key, now,
          replayWindowMs: 600_000, idempotencyTtlMs: 86_400_000, inFlightLockMs: 60_000,
        });
        if (admitted.kind !== 'fresh') throw new Error(`unexpected ${admitted.kind}`);
        await store.commit({ audit: [{ action: 'bench.call', outcome: 'success', clientId: 'bench' }], complete: { clientId: 'bench', key, response } });
        done++;
      }
    }),
  );
  return done;
}

// Child mode: one writer process on PostgreSQL, started at a common time.
if (process.argv[2] === '--child') {
  const [, , , url, tag, startAt] = process.argv;
  const { store, close } = await createPostgresStore({ url: url as string, poolSize: concurrency });
  while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 5));
  const n = await drive(store, tag as string, Number(startAt) + seconds * 1000);
  await close();
  process.stdout.write(`${n}\n`);
  process.exit(0);
}

const child = (url: string, tag: string, startAt: number) =>
  new Promise<number>((resolve, reject) => {
    const p = spawn(process.execPath, [join(import.meta.dirname, '../bin/run-ts.mjs'), 'bench/store-calls.ts', '--child', url, tag, String(startAt), '--seconds', String(seconds), '--concurrency', String(concurrency)], {
      cwd: join(import.meta.dirname, '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`writer ${tag} exited ${code}`))));
  });

const rows: [string, number][] = [];
{
  const dir = mkdtempSync(join(tmpdir(), 'pc-bench-store-'));
  const { store, close } = createSqliteStore(join(dir, 'state.db'));
  const n = await drive(store, 'sqlite', Date.now() + seconds * 1000);
  close();
  rmSync(dir, { recursive: true, force: true });
  rows.push(['SQLite (node:sqlite, WAL), 1 process', n]);
}
for (const processes of [1, 2]) {
  const db = await createTestDatabase('pc_bench');
  try {
    await (await createPostgresStore({ url: db.url })).close();
    const startAt = Date.now() + 2_000;
    const counts = await Promise.all(Array.from({ length: processes }, (_, i) => child(db.url, `p${i}`, startAt)));
    rows.push([`PostgreSQL 15 (loopback), ${processes} process${processes > 1 ? 'es' : ''}`, counts.reduce((a, b) => a + b, 0)]);
  } finally {
    await db.drop();
  }
}
console.log(`store calls (admit + commit), ${concurrency} concurrent per process, ${seconds} s each:`);
for (const [name, n] of rows) console.log(`  ${name.padEnd(42)} ${(n / seconds).toFixed(0).padStart(6)} calls/s`);

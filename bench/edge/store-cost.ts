/**
 * What the SQLite store costs per signed run, without HTTP: the same two transactions a
 * POST /v1/playbooks/unblock-ip/runs makes (admit: replay guard + idempotency claim; commit: run +
 * audit event + idempotency completion), one call at a time, under a few SQLite settings.
 *
 *   node bin/run-ts.mjs bench/edge/store-cost.ts [--calls 3000]
 *
 * "as shipped" is src/store/sqlite (WAL, synchronous=NORMAL); the other rows change one pragma after
 * opening, to show how much of the cost is the write path's I/O rather than our code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '3000' } } });
const CALLS = Math.min(50_000, Math.max(100, Number(values.calls)));

const VARIANTS: { name: string; pragmas: string[] }[] = [
  { name: 'as shipped (WAL, synchronous=NORMAL)', pragmas: [] },
  { name: 'synchronous=OFF', pragmas: ['synchronous = OFF'] },
  { name: 'wal_autocheckpoint=100000', pragmas: ['wal_autocheckpoint = 100000'] },
  // Again, so JIT warm-up in the first row does not pass for I/O.
  { name: 'as shipped, again', pragmas: [] },
];

async function measureVariant(pragmas: string[]): Promise<{ wallUs: number; cpuUs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-store-cost-'));
  const sqlite = createSqliteStore(join(dir, 'portcullis.db'));
  for (const p of pragmas) sqlite.driver.db.exec(`PRAGMA ${p}`);
  const { store } = sqlite;
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) {
    const now = Date.now();
    const key = `webhook:msg_${i}`;
    await store.admit({
      clientId: 'demo',
      webhookId: `msg_${i}`,
      fingerprint: `fp${i}`,
      idempotencyKey: key,
      now,
      replayWindowMs: 600_000,
      idempotencyTtlMs: 86_400_000,
      inFlightLockMs: 60_000,
    });
    const runId = `run_${i}`;
    const targets = ['aws-sandbox', 'azure-sandbox', 'gcp-sandbox'].map((connector) => ({ connector, target: 'edge' }));
    const inputs = { indicators: [`45.0.${i % 256}.${1 + (i % 250)}`] };
    await store.commit({
      runs: [{ id: runId, playbook: 'unblock-ip', action: 'unblock', clientId: 'demo', status: 'accepted', inputs, targets, createdAt: now, updatedAt: now }],
      upsertIntents: [],
      retractIntents: [],
      audit: [{ action: 'run.accepted', outcome: 'success', clientId: 'demo', runId, playbook: 'unblock-ip', detail: { inputs, targets } }],
      complete: { clientId: 'demo', key, response: { status: 202, headers: { 'content-type': 'application/json' }, body: '{"id":"x"}' } },
    });
  }
  const used = process.cpuUsage(cpu);
  const wallUs = ((performance.now() - started) * 1000) / CALLS;
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
  return { wallUs, cpuUs: (used.user + used.system) / CALLS };
}

console.log(`store cost per signed run (admit + commit), ${CALLS} calls one at a time:`);
for (const v of VARIANTS) {
  const r = await measureVariant(v.pragmas);
  console.log(`  ${v.name.padEnd(40)} wall ${r.wallUs.toFixed(0).padStart(5)} µs/call   cpu ${r.cpuUs.toFixed(0).padStart(5)} µs/call`);
}

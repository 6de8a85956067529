/**
 * One replica for test/store/postgres-replicas.test.ts: its own PostgreSQL pool and SqlStore, racing
 * the others from a common start time. Prints one JSON line of what each attempt got.
 * Run: node bin/run-ts.mjs test/store/replica-process.ts <url> <tag> <mode> <count> <startAtMs>
 *   mode key:     admit idempotency key k<i> (own webhook-id per replica): kinds per i
 *   mode webhook: admit webhook-id w<i> with this replica's own request (fingerprint and key): kinds per i
 *   mode decide:  decide run run_<i> (pending approval) with its audit event: "ok" or the error per i
 */
import { createPostgresStore } from '../../src/store/postgres/index.ts';

const [url, tag, mode, countText, startText] = process.argv.slice(2) as [string, string, string, string, string];
const count = Number(countText);
const { store, close } = await createPostgresStore({ url, poolSize: 4 });
const now = Date.now();
const base = { clientId: 'soar', now, replayWindowMs: 600_000, idempotencyTtlMs: 86_400_000, inFlightLockMs: 60_000 };
while (Date.now() < Number(startText)) await new Promise((r) => setTimeout(r, 1));

const attempt = async (i: number): Promise<string> => {
  if (mode === 'key') return (await store.admit({ ...base, webhookId: `${tag}-${i}`, fingerprint: 'same-request', idempotencyKey: `k${i}` })).kind;
  if (mode === 'webhook') return (await store.admit({ ...base, webhookId: `w${i}`, fingerprint: `request-of-${tag}`, idempotencyKey: `${tag}-k${i}` })).kind;
  try {
    await store.commit({
      audit: [{ action: 'run.approved', outcome: 'success', runId: `run_${i}`, clientId: tag }],
      runDecisions: [{ runId: `run_${i}`, decision: 'approved', clientId: tag, at: now }],
      runStatus: [{ id: `run_${i}`, status: 'accepted', at: now }],
    });
    return 'ok';
  } catch (error) {
    return String(error).slice(0, 120);
  }
};
// Every attempt at once within this replica too: the races are both across and within processes.
const results = await Promise.all(Array.from({ length: count }, (_, i) => attempt(i)));
await close();
process.stdout.write(`${JSON.stringify(results)}\n`);

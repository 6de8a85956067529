/**
 * Issue 13, the replica tests: real `portcullis serve` processes on one real PostgreSQL database
 * (a fresh database per scenario, dropped after), writing to simulated clouds that the test process
 * serves once on loopback for all of them.
 * - Failover: 1,000 blocks round-robin to three replicas; the holder of the busiest target's lease is
 *   SIGKILLed mid-pass; another replica takes the lease within the TTL; nothing lost or duplicated,
 *   the audit chain verifies and a poller that ran throughout skipped no event.
 * - The same Idempotency-Key to two replicas at once: one execution. Approve on one replica and
 *   reject on another at once: one decision.
 * - The database cut mid-burst (a TCP proxy between the replicas and PostgreSQL): each call either
 *   succeeded durably or was answered 503 with Retry-After; none lost.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type TestDatabase, createTestDatabase, pgUrl } from '../support/postgres.ts';
import { type ServerProcess, cleanUp, raceTimeout, sleep, waitFor } from '../support/process.ts';
import type { BlockJson } from './api.ts';
import { CLOUDS, type CloudId, type Clouds, startClouds } from './clouds.ts';
import { APPROVER, type Cluster, auditPoller, postRoundRobin, readAllBlocks, readAny, startCluster } from './ha-cluster.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';

const BLOCKS = 1_000;
const SENDERS = 16;
// Odd last octets in distinct /24s: no two addresses are siblings, so none merge into a wider prefix.
const indicator = (n: number) => `198.${18 + Math.floor(n / 25_000)}.${Math.floor((n % 25_000) / 100)}.${2 * (n % 100) + 1}`;
const blockBody = (ip: string) => JSON.stringify({ playbook: 'block-ip', inputs: { indicators: ip } });
const BLOCK_PATH = '/v1/playbooks/block-ip/runs';

const databases: TestDatabase[] = [];
let clouds: Clouds | undefined;
const freshDatabase = async () => {
  const db = await createTestDatabase('pc_i13_ha');
  databases.push(db);
  return db;
};
afterEach(async () => {
  await cleanUp();
  await clouds?.close();
  clouds = undefined;
});
afterAll(async () => {
  for (const db of databases) await db.drop().catch(() => undefined);
});

const settled = (block: BlockJson) => block.targets.length === CLOUDS.length && block.targets.every((t) => t.state !== 'pending');

describe('three replicas on one PostgreSQL database', () => {
  it('a SIGKILLed lease holder mid-pass: the lease moves within the TTL; no intent lost, no rule duplicated, chain and poller complete', async () => {
    clouds = await startClouds({ latencyMs: [60, 120] });
    const cloudState = clouds;
    const db = await freshDatabase();
    const cluster = await startCluster({ clouds, databaseUrl: db.url, count: 3, leaseTtlSeconds: 10 });
    const poller = auditPoller(cluster);

    const accepted = new Map<string, string>(); // indicator -> run id
    const refused: string[] = [];
    let next = 0;
    const senders = Array.from({ length: SENDERS }, async () => {
      while (next < BLOCKS) {
        const n = next++;
        const ip = indicator(n);
        const sent = await postRoundRobin(cluster, n, BLOCK_PATH, blockBody(ip), { retryInFlightMs: 90_000 });
        if (sent.status === 202) accepted.set(ip, (JSON.parse(sent.body) as { id: string }).id);
        else refused.push(`${ip}: ${sent.status} ${sent.body.slice(0, 300)}`);
      }
    });

    // The busiest target: the one its cloud saw the most writes for. Its holder is killed while that
    // pass is writing (its write count still climbing) and blocks are still pending on it.
    const writesOf = (id: CloudId) => cloudState.byId[id].simulator.controls.writeCalls();
    // Only a target whose writes are still climbing is mid-pass (a full NACL stops writing at its capacity).
    let victim: ServerProcess | undefined;
    let lease = '';
    await waitFor(
      async () => {
        if (accepted.size < 200) return undefined;
        const before = CLOUDS.map(writesOf);
        await sleep(150);
        const climbing = CLOUDS.filter((c, k) => writesOf(c) > (before[k] as number));
        const id = climbing.sort((a, b) => writesOf(b) - writesOf(a))[0];
        if (!id) return undefined;
        lease = `target:${id}/edge`;
        victim = await cluster.holderOf(lease);
        return victim;
      },
      { timeoutMs: 60_000, intervalMs: 20, describe: () => `no pass in progress; ${accepted.size} accepted, writes ${CLOUDS.map(writesOf).join('/')}` },
    );
    const killed = victim as ServerProcess;
    killed.process.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await raceTimeout(killed.exited, 5_000, () => 'SIGKILL did not end the replica')).toEqual({ code: null, signal: 'SIGKILL' });

    // Another replica takes the dead one's lease within the TTL (10 s; the issue allows 15 s).
    const heir = await waitFor(() => cluster.holderOf(lease), { timeoutMs: 20_000, intervalMs: 100, describe: () => `nobody took ${lease}` });
    const takeoverMs = Date.now() - killedAt;
    expect(heir).not.toBe(killed);
    expect(takeoverMs).toBeLessThanOrEqual(15_000);
    console.log(`lease ${lease} moved ${takeoverMs} ms after the SIGKILL`);

    await Promise.all(senders);
    expect(refused).toEqual([]);
    expect(accepted.size).toBe(BLOCKS);

    const blocks = await waitFor(
      async () => {
        const list = await readAllBlocks<BlockJson>(cluster);
        return list.length >= BLOCKS && list.every(settled) ? list : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, describe: () => 'blocks still pending after the failover' },
    );
    await poller.stop();

    // No intent lost: every accepted block is there, applied on Azure and GCP; on AWS applied or refused as full.
    const wanted = [...accepted.keys()].map((ip) => `${ip}/32`).sort();
    expect(blocks.map((b) => b.cidr).sort()).toEqual(wanted);
    const stateOn = (block: BlockJson, id: string) => block.targets.find((t) => t.connector === id);
    for (const block of blocks) {
      expect(stateOn(block, 'azure-sandbox')?.state, block.cidr).toBe('applied');
      expect(stateOn(block, 'gcp-sandbox')?.state, block.cidr).toBe('applied');
      const aws = stateOn(block, 'aws-sandbox');
      if (aws?.state !== 'applied') expect(`${aws?.state} ${aws?.error}`).toMatch(/failed .*(capacity|full|limit)/i);
    }
    // No duplicate rule: every CIDR held by exactly one owned rule on each cloud.
    const on = Object.fromEntries(await Promise.all(CLOUDS.map(async (id) => [id, (await cloudState.ownedDenyCidrs(id)).sort()] as const)));
    expect(on['azure-sandbox']).toEqual(wanted);
    expect(on['gcp-sandbox']).toEqual(wanted);
    const awsApplied = blocks.filter((b) => stateOn(b, 'aws-sandbox')?.state === 'applied').map((b) => b.cidr).sort();
    expect(on['aws-sandbox']).toEqual(awsApplied);

    // The chain verifies, and the poller saw every seq from 1 to the head, none skipped.
    expect(await readAny<{ ok: boolean; fault: unknown }>(cluster, '/v1/audit/verify')).toMatchObject({ ok: true, fault: null });
    const head = Math.max(...poller.seqs);
    const seen = new Set(poller.seqs);
    const missing = Array.from({ length: head }, (_, i) => i + 1).filter((s) => !seen.has(s));
    expect(missing).toEqual([]);
    const audit = await readAny<{ events: unknown[] }>(cluster, '/v1/audit/events?action=run.accepted&limit=1000');
    expect(audit.events).toHaveLength(BLOCKS);
  }, 240_000);

  it('the same Idempotency-Key to two replicas at once runs once; approve on one and reject on another decides once', async () => {
    clouds = await startClouds({ latencyMs: [5, 20] });
    const db = await freshDatabase();
    const cluster = await startCluster({ clouds, databaseUrl: db.url, count: 3 });

    const ROUNDS = 25;
    for (let round = 0; round < ROUNDS; round++) {
      const key = `key-${round}-${Date.now()}`;
      const body = blockBody(indicator(5_000 + round));
      // Two distinct signed messages (each its own webhook-id) carrying the same key, to two replicas at once.
      const [a, b] = await Promise.all([0, 1].map((i) => postRoundRobin(cluster, round + i, BLOCK_PATH, body, { idempotencyKey: key })));
      const answers = [a, b].map((s) => s?.status).sort();
      // One runs (202); the other is answered from it (202, the same run) or told it is in flight (409).
      expect([['202', '202'], ['202', '409']].map(String)).toContain(answers.map(String).join(','));
      const ids = [a, b].filter((s) => s?.status === 202).map((s) => (JSON.parse(s?.body ?? '{}') as { id: string }).id);
      expect(new Set(ids).size).toBe(1);
      const runs = await readAny<{ events: unknown[] }>(cluster, `/v1/audit/events?action=run.accepted&run=${ids[0]}`);
      expect(runs.events).toHaveLength(1);
    }
    const accepted = await readAny<{ events: unknown[] }>(cluster, '/v1/audit/events?action=run.accepted&limit=1000');
    expect(accepted.events).toHaveLength(ROUNDS);

    // Four eyes across replicas: an allow waits for approval; approve and reject race on two replicas.
    for (let round = 0; round < 10; round++) {
      const allow = JSON.stringify({ playbook: 'allow-ingress', inputs: { from: 'web', to: 'api', protocol: 'tcp', port: 8000 + round } });
      const created = await postRoundRobin(cluster, round, '/v1/playbooks/allow-ingress/runs', allow);
      expect(created.status, created.body).toBe(202);
      const run = JSON.parse(created.body) as { id: string; status: string };
      expect(run.status).toBe('pending_approval');
      const decide = (verb: 'approve' | 'reject', replica: number) =>
        postRoundRobin(cluster, replica, `/v1/runs/${run.id}/${verb}`, JSON.stringify({ run: run.id, decision: verb, comment: 'race' }), {
          clientId: APPROVER.id,
          secret: cluster.approverSecret,
        });
      const [approved, rejected] = await Promise.all([decide('approve', round), decide('reject', round + 1)]);
      const statuses = [approved.status, rejected.status];
      // Exactly one decision wins; the other is refused as already decided.
      expect(statuses.filter((s) => s === 200 || s === 202)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(1);
      const decisions = await readAny<{ events: { action: string }[] }>(cluster, `/v1/audit/events?run=${run.id}&limit=100`);
      const decided = decisions.events.filter((e) => e.action === 'run.approved' || e.action === 'run.rejected');
      expect(decided, JSON.stringify(decisions.events.map((e) => e.action))).toHaveLength(1);
    }
  }, 180_000);

  it('the database cut mid-burst: every call succeeded durably or was answered 503 with Retry-After; none lost', async () => {
    clouds = await startClouds({ latencyMs: [5, 20] });
    const db = await freshDatabase();
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(db.url).port || 5432) });
    try {
      const proxied = new URL(pgUrl(db.name));
      proxied.port = String(proxy.port);
      const cluster: Cluster = await startCluster({ clouds, databaseUrl: proxied.toString(), count: 3 });

      const outcomes: { ip: string; status: number; retryAfter: string | null; type: string | null; id?: string }[] = [];
      const CALLS = 300;
      let next = 0;
      const burst = Array.from({ length: 8 }, async () => {
        while (next < CALLS) {
          const n = next++;
          const ip = indicator(10_000 + n);
          const sent = await postRoundRobin(cluster, n, BLOCK_PATH, blockBody(ip));
          outcomes.push({
            ip,
            status: sent.status,
            retryAfter: sent.headers.get('retry-after'),
            type: sent.headers.get('content-type'),
            ...(sent.status === 202 ? { id: (JSON.parse(sent.body) as { id: string }).id } : {}),
          });
          await sleep(5);
        }
      });
      await waitFor(() => (outcomes.length >= 60 ? true : undefined), { timeoutMs: 30_000, describe: () => `${outcomes.length} calls answered` });
      proxy.cut();
      await sleep(3_000);
      proxy.restore();
      await Promise.all(burst);

      // Only two answers exist: accepted, or 503 problem+json with Retry-After.
      const other = outcomes.filter((o) => o.status !== 202 && o.status !== 503);
      expect(other).toEqual([]);
      const unavailable = outcomes.filter((o) => o.status === 503);
      expect(unavailable.length).toBeGreaterThan(0);
      for (const o of unavailable) {
        expect(o.type).toMatch(/application\/problem\+json/);
        expect(Number(o.retryAfter)).toBeGreaterThan(0);
      }
      // The service recovered by itself: every replica is ready again and accepts calls.
      await waitFor(async () => ((await Promise.all(cluster.alive().map((r) => fetch(`${r.url}/readyz`).then((x) => x.status)))).every((s) => s === 200) ? true : undefined), {
        timeoutMs: 20_000,
        intervalMs: 200,
        describe: () => 'replicas not ready after the database came back',
      });
      // Every accepted call is durable: its run is there, with its acceptance audited.
      for (const o of outcomes.filter((x) => x.status === 202)) {
        const run = await readAny<{ id: string }>(cluster, `/v1/runs/${o.id}`);
        expect(run.id).toBe(o.id);
      }
      const accepted = outcomes.filter((o) => o.status === 202).length;
      const audited = await readAny<{ events: unknown[] }>(cluster, '/v1/audit/events?action=run.accepted&limit=1000');
      expect(audited.events).toHaveLength(accepted);
      // Nothing refused was half-written: sent again after the outage, each 503'd call runs (fresh) now.
      for (const o of unavailable) {
        const again = await postRoundRobin(cluster, 0, BLOCK_PATH, blockBody(o.ip));
        expect(again.status, again.body).toBe(202);
      }
      const blocks = await waitFor(
        async () => {
          const list = await readAllBlocks<BlockJson>(cluster);
          return list.length >= CALLS && list.every(settled) ? list : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500, describe: () => 'blocks still pending after the outage' },
      );
      expect(blocks.map((b) => b.cidr).sort()).toEqual(outcomes.map((o) => `${o.ip}/32`).sort());
      expect(await readAny<{ ok: boolean }>(cluster, '/v1/audit/verify')).toMatchObject({ ok: true });
    } finally {
      await cleanUp();
      await proxy.close();
    }
  }, 180_000);
});

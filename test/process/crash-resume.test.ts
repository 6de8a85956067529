/**
 * Issue 4 item 5: an intent and its audit event commit before any cloud call, and the reconciler
 * resumes pending work on start. A real server is SIGKILLed in the middle of reconciling a burst, then
 * restarted on the same data directory: no accepted intent is lost and no rule is duplicated.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testSecret } from '../support/sign.ts';
import { type ServerProcess, cleanUp, raceTimeout, sleep, startServer, tempDir, waitFor } from '../support/process.ts';
import { type BlockJson, type RunJson, apiClient } from './api.ts';
import { CLOUDS, type Clouds, PROCESS_CLIENT, cloudsConfig, startClouds } from './clouds.ts';

const BURST = 60;
const TRICKLE_WORKERS = 4;
const TRICKLE_PAUSE_MS = 150;
const TRICKLE_MAX = 300;
// Odd last octets in distinct /24s: no two addresses are siblings, so none merge into a wider prefix.
const indicator = (n: number) => `203.0.${Math.floor(n / 100) + 1}.${2 * (n % 100) + 1}`;

interface Accepted {
  indicator: string;
  run: RunJson;
}

const secret = testSecret();
const token = randomBytes(24).toString('hex');
const env = { [PROCESS_CLIENT.secretEnv]: secret, [PROCESS_CLIENT.tokenEnv]: token };
let clouds: Clouds | undefined;
let server: ServerProcess | undefined;
const api = apiClient(() => server?.url ?? '', { id: PROCESS_CLIENT.id, secret, token });

afterAll(async () => {
  await cleanUp();
  await clouds?.close();
});

const settledOnEveryTarget = (block: BlockJson) => block.targets.length === CLOUDS.length && block.targets.every((t) => t.state !== 'pending');

describe('crash and resume', () => {
  it('a server killed mid-reconcile finishes every accepted block after restart, each rule exactly once', async () => {
    // Enough latency per cloud request that a pass takes seconds (AWS writes one NACL entry per call).
    clouds = await startClouds({ latencyMs: [150, 250] });
    const cloudState = clouds;
    const dir = tempDir();
    const dataDir = join(dir, 'data');
    const config = (port: number) => cloudsConfig(cloudState, dataDir, port);
    server = await startServer({ dir, config, env });

    // A burst, all accepted; then a trickle of further calls that is still running when the server dies.
    const accepted: Accepted[] = [];
    const refused: string[] = [];
    const send = async (n: number) => {
      const response = await api.block(indicator(n));
      const run = (await response.json()) as RunJson;
      if (response.status === 202) accepted.push({ indicator: indicator(n), run });
      else refused.push(`${indicator(n)}: ${response.status} ${JSON.stringify(run)}`);
    };
    await Promise.all(Array.from({ length: BURST }, (_, n) => send(n)));
    expect(refused).toEqual([]);
    expect(accepted).toHaveLength(BURST);
    let next = BURST;
    let killedAt = Number.POSITIVE_INFINITY;
    const trickle = Array.from({ length: TRICKLE_WORKERS }, async () => {
      // A call cut off by the kill fails on the client; its run may or may not have committed.
      while (Date.now() < killedAt && next < BURST + TRICKLE_MAX) {
        await send(next++).catch(() => undefined);
        await sleep(TRICKLE_PAUSE_MS);
      }
    });

    // Kill while the passes are under way: AWS writes one NACL entry per call, so after a few of its
    // writes it is in the middle of a pass (and the other clouds are busy too).
    const awsWrites = () => cloudState.byId['aws-sandbox'].simulator.controls.writeCalls();
    await waitFor(() => (awsWrites() >= 4 && accepted.length > BURST ? true : undefined), {
      timeoutMs: 20_000,
      intervalMs: 5,
      describe: () => `AWS saw ${awsWrites()} writes, ${accepted.length - BURST} trickle calls accepted`,
    });
    const killed = server;
    killed.process.kill('SIGKILL');
    killedAt = Date.now();
    expect(await raceTimeout(killed.exited, 5_000, () => 'SIGKILL did not end the server')).toEqual({ code: null, signal: 'SIGKILL' });
    await Promise.all(trickle);
    expect(refused).toEqual([]);

    // The kill landed mid-reconcile: at least one accepted block is not yet on some cloud.
    await sleep(400); // requests already inside a simulator finish
    const before = await Promise.all(CLOUDS.map((id) => cloudState.ownedDenyCidrs(id)));
    const acceptedCidrs = accepted.map((a) => `${a.indicator}/32`).sort();
    const interrupted = CLOUDS.some((_, i) => acceptedCidrs.some((cidr) => !before[i]?.includes(cidr)));
    expect(interrupted, 'the kill came after every block was already on every cloud').toBe(true);

    server = await startServer({ dir, config, env });
    const blocks = await waitFor(
      async () => {
        const list = await api.blocks();
        return list.length >= accepted.length && list.every(settledOnEveryTarget) ? list : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 250, describe: () => `blocks still pending after restart\n${server?.output().slice(-4000)}` },
    );
    // Every accepted call is a block; so may be a call whose 202 the kill cut off (it had committed).
    const wanted = blocks.map((b) => b.cidr).sort();
    expect(acceptedCidrs.filter((cidr) => !wanted.includes(cidr))).toEqual([]);

    // No intent lost: every block is applied on Azure and GCP, and on AWS applied or refused because
    // the network ACL is full.
    const stateOn = (block: BlockJson, id: string) => block.targets.find((t) => t.connector === id);
    for (const block of blocks) {
      expect(stateOn(block, 'azure-sandbox')?.state, block.cidr).toBe('applied');
      expect(stateOn(block, 'gcp-sandbox')?.state, block.cidr).toBe('applied');
      const aws = stateOn(block, 'aws-sandbox');
      if (aws?.state !== 'applied') {
        expect(aws?.state).toBe('failed');
        expect(aws?.error ?? '').toMatch(/capacity|full|limit/i);
      }
    }

    // The clouds' own state: every block exactly once per cloud (AWS: exactly the ones it applied).
    const after = Object.fromEntries(await Promise.all(CLOUDS.map(async (id) => [id, (await cloudState.ownedDenyCidrs(id)).sort()] as const)));
    expect(after['azure-sandbox']).toEqual(wanted);
    expect(after['gcp-sandbox']).toEqual(wanted);
    const awsApplied = blocks.filter((b) => stateOn(b, 'aws-sandbox')?.state === 'applied').map((b) => b.cidr).sort();
    expect(awsApplied.length).toBeGreaterThan(0);
    expect(after['aws-sandbox']).toEqual(awsApplied);

    // Every 202 the client received before the kill names a run the restarted server knows, and the
    // audit log holds each run's acceptance.
    const known = new Set<string>();
    for (let cursor: string | null = ''; cursor !== null; ) {
      const page: { runs: RunJson[]; next_cursor: string | null } = await api.read(`/v1/runs?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      for (const run of page.runs) known.add(run.id);
      cursor = page.next_cursor;
    }
    expect(accepted.filter((a) => !known.has(a.run.id)).map((a) => a.run.id)).toEqual([]);
    const audit = await api.read<{ events: { run_id?: string }[] }>('/v1/audit/events?action=run.accepted&limit=1000');
    expect(audit.events.length).toBeLessThan(1000); // one page holds them all
    const audited = new Set(audit.events.map((e) => e.run_id));
    expect(accepted.filter((a) => !audited.has(a.run.id)).map((a) => a.run.id)).toEqual([]);
    // The kill interrupted no audit transaction halfway: the hash chain still verifies end to end.
    expect(await api.read<{ ok: boolean; fault: unknown }>('/v1/audit/verify')).toMatchObject({ ok: true, fault: null });
  }, 90_000);
});

/**
 * Issue 4 item 5: an intent and its audit event commit before any cloud call, and the reconciler
 * resumes pending work on start. A real server is SIGKILLed in the middle of reconciling a burst, then
 * restarted on the same data directory: no accepted intent is lost and no rule is duplicated.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testSecret } from '../support/sign.ts';
import { type ServerProcess, cleanUp, raceTimeout, startServer, tempDir, waitFor } from '../support/process.ts';
import { type BlockJson, type RunJson, apiClient } from './api.ts';
import { CLOUDS, type Clouds, PROCESS_CLIENT, cloudsConfig, startClouds } from './clouds.ts';

const BURST = 60;
// Odd last octets in distinct /24s: no two addresses are siblings, so none merge into a wider prefix.
const indicator = (n: number) => `203.0.${Math.floor(n / 100) + 1}.${2 * (n % 100) + 1}`;

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

    const responses = await Promise.all(Array.from({ length: BURST }, (_, n) => api.block(indicator(n))));
    const accepted = await Promise.all(
      responses.map(async (r, n) => ({ status: r.status, indicator: indicator(n), run: (await r.json()) as RunJson })),
    );
    expect(accepted.filter((a) => a.status !== 202)).toEqual([]);

    // Kill while the passes are under way: AWS writes one NACL entry per call, so after a few of its
    // writes it is in the middle of a pass (and the other clouds are busy too).
    const awsWrites = () => cloudState.byId['aws-sandbox'].simulator.controls.writeCalls();
    await waitFor(() => (awsWrites() >= 4 ? true : undefined), {
      timeoutMs: 20_000,
      intervalMs: 5,
      describe: () => `AWS saw ${awsWrites()} writes`,
    });
    const killed = server;
    killed.process.kill('SIGKILL');
    expect(await raceTimeout(killed.exited, 5_000, () => 'SIGKILL did not end the server')).toEqual({ code: null, signal: 'SIGKILL' });
    const writesAtKill = cloudState.writeCalls();

    // The kill landed mid-reconcile: at least one accepted block is not yet on some cloud.
    await new Promise((r) => setTimeout(r, 400)); // requests already inside a simulator finish
    const before = await Promise.all(CLOUDS.map((id) => cloudState.ownedDenyCidrs(id)));
    const wanted = accepted.map((a) => `${a.indicator}/32`).sort();
    expect(writesAtKill).toBeGreaterThan(0);
    expect(CLOUDS.some((_, i) => wanted.some((cidr) => !before[i]?.includes(cidr)))).toBe(true);

    server = await startServer({ dir, config, env });
    const blocks = await waitFor(
      async () => {
        const list = await api.blocks();
        return list.length >= BURST && list.every(settledOnEveryTarget) ? list : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 250, describe: () => `blocks still pending after restart\n${server?.output().slice(-4000)}` },
    );

    // No intent lost: every accepted indicator is a block, applied on Azure and GCP, and on AWS applied
    // or refused because the network ACL is full.
    expect(blocks.map((b) => b.cidr).sort()).toEqual(wanted);
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
    const runs = await api.read<{ runs: RunJson[] }>('/v1/runs?limit=200');
    const known = new Set(runs.runs.map((r) => r.id));
    expect(accepted.filter((a) => !known.has(a.run.id)).map((a) => a.run.id)).toEqual([]);
    const audit = await api.read<{ events: { runId?: string }[] }>('/v1/audit/events?action=run.accepted&limit=1000');
    const audited = new Set(audit.events.map((e) => e.runId));
    expect(accepted.filter((a) => !audited.has(a.run.id)).map((a) => a.run.id)).toEqual([]);
  }, 90_000);
});

/**
 * Issue 9 items 7 and 9: what a restarted server does with what the previous process left behind.
 * Real server processes on one data directory; the clouds are simulators served by the test process.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signedInit, testSecret } from '../support/sign.ts';
import { type ServerProcess, cleanUp, raceTimeout, sleep, startServer, tempDir, waitFor } from '../support/process.ts';
import { apiClient } from './api.ts';
import { CLOUDS, type Clouds, PROCESS_CLIENT, cloudsConfig, startClouds } from './clouds.ts';

const secret = testSecret();
const token = randomBytes(24).toString('hex');
const env = { [PROCESS_CLIENT.secretEnv]: secret, [PROCESS_CLIENT.tokenEnv]: token };
const opened: Clouds[] = [];
let server: ServerProcess | undefined;
const api = apiClient(() => server?.url ?? '', { id: PROCESS_CLIENT.id, secret, token });

afterEach(async () => {
  await cleanUp();
  await Promise.all(opened.splice(0).map((c) => c.close()));
});

async function kill(s: ServerProcess): Promise<void> {
  s.process.kill('SIGKILL');
  await raceTimeout(s.exited, 5_000, () => 'SIGKILL did not end the server');
}

describe('after a restart the reconciler checks every target', () => {
  it('clouds that lost the rules while the service was down get them back at start, not at the next drift pass', async () => {
    const first = await startClouds();
    opened.push(first);
    const dir = tempDir();
    const dataDir = join(dir, 'data');
    server = await startServer({ dir, config: (port) => cloudsConfig(first, dataDir, port), env });
    const accepted = await api.block(['203.0.113.5', '203.0.113.7'], { prefer: 'wait=20' });
    expect(accepted.status).toBe(200);
    for (const id of CLOUDS) expect((await first.ownedDenyCidrs(id)).sort()).toEqual(['203.0.113.5/32', '203.0.113.7/32']);
    await kill(server);

    // The clouds come back empty (a sandbox restart; or anything a person changed while we were down).
    const fresh = await startClouds();
    opened.push(fresh);
    for (const id of CLOUDS) expect(await fresh.ownedDenyCidrs(id)).toEqual([]);
    // No pending intents and a drift interval of 300 s: only the start-up pass can heal this in time.
    server = await startServer({ dir, config: (port) => cloudsConfig(fresh, dataDir, port), env });
    for (const id of CLOUDS) {
      const cidrs = await waitFor(async () => {
        const owned = (await fresh.ownedDenyCidrs(id)).sort();
        return owned.length === 2 ? owned : undefined;
      }, { timeoutMs: 15_000, intervalMs: 100, describe: () => `${id} was not healed after restart\n${server?.output().slice(-3000)}` });
      expect(cidrs).toEqual(['203.0.113.5/32', '203.0.113.7/32']);
    }
    const healed = await api.read<{ events: { target?: string }[] }>('/v1/audit/events?action=drift.healed&limit=100');
    expect(healed.events.map((e) => e.target).sort()).toEqual(CLOUDS.map((id) => `${id}/edge`).sort());
  }, 90_000);
});

describe('after a crash, a redelivered call is not refused for 60 s', () => {
  it('answers 409 with Retry-After while the first attempt runs, and runs the redelivery once the dead process is replaced', async () => {
    const clouds = await startClouds();
    opened.push(clouds);
    const dir = tempDir();
    const dataDir = join(dir, 'data');
    const adminConfig = (port: number) => cloudsConfig(clouds, dataDir, port).replace('scopes: [block,', 'scopes: [admin, block,');
    server = await startServer({ dir, config: adminConfig, env });

    // A connector check makes a dozen cloud calls; slowed down, its idempotency record stays in flight.
    clouds.setExtraDelay(400);
    const body = JSON.stringify({ connector: 'aws-sandbox' });
    const message = signedInit({ clientId: PROCESS_CLIENT.id, secret, body, nowMs: Date.now() });
    const url = () => `${server?.url}/v1/connectors/aws-sandbox/check`;
    const firstAttempt = fetch(url(), message).catch(() => undefined);
    await sleep(800);
    const duplicate = await fetch(url(), message);
    expect(duplicate.status).toBe(409);
    expect((await duplicate.json()) as { code: string }).toMatchObject({ code: 'idempotency_in_flight', retry_after_seconds: 5 });
    expect(duplicate.headers.get('retry-after')).toBe('5');

    // The process dies with the first attempt still in flight; a new one starts on the same data.
    await kill(server);
    await firstAttempt;
    clouds.setExtraDelay(0);
    server = await startServer({ dir, config: adminConfig, env });
    const redelivered = await fetch(url(), message);
    expect(redelivered.status).toBe(200);
    expect(((await redelivered.json()) as { connector: string }).connector).toBe('aws-sandbox');
    expect(server.output()).toMatch(/released in-flight idempotency records left by a previous process/);
  }, 90_000);
});

/**
 * Issue 4 item 2: `Prefer: wait=N` on a playbook run; and a graceful stop while a pass is in flight.
 * A real server talks to simulators served by the test process, so the test can make the clouds slow.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, cleanUp, raceTimeout, sleep, startServer, tempDir } from '../support/process.ts';
import { testSecret } from '../support/sign.ts';
import { type RunJson, apiClient } from './api.ts';
import { CLOUDS, type Clouds, PROCESS_CLIENT, cloudsConfig, startClouds } from './clouds.ts';

const secret = testSecret();
const token = randomBytes(24).toString('hex');
let clouds: Clouds;
let server: ServerProcess;
const api = apiClient(() => server.url, { id: PROCESS_CLIENT.id, secret, token });

beforeAll(async () => {
  clouds = await startClouds();
  const dir = tempDir();
  server = await startServer({
    dir,
    config: (port) => cloudsConfig(clouds, join(dir, 'data'), port),
    env: { [PROCESS_CLIENT.secretEnv]: secret, [PROCESS_CLIENT.tokenEnv]: token },
  });
});
afterAll(async () => {
  await cleanUp();
  await clouds?.close();
});

describe('Prefer: wait on POST /v1/playbooks/{name}/runs', () => {
  it('answers 200 with the settled run and Preference-Applied when the run settles within the wait', async () => {
    const response = await api.block('203.0.113.41', { prefer: 'wait=10' });
    const run = (await response.json()) as RunJson;
    expect(response.status, JSON.stringify(run)).toBe(200);
    expect(response.headers.get('preference-applied')).toBe('wait=10');
    expect(run.status).toBe('applied');
    expect(run.targets.map((t) => [t.connector, t.state]).sort()).toEqual([...CLOUDS].sort().map((c) => [c, 'applied']));
    expect(await clouds.ownedDenyCidrs('gcp-sandbox')).toContain('203.0.113.41/32');
  });

  it('answers 202 with Location without a Prefer header', async () => {
    const response = await api.block('203.0.113.43');
    const run = (await response.json()) as RunJson;
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe(`/v1/runs/${run.id}`);
    expect(response.headers.get('preference-applied')).toBeNull();
    expect(run.status).toBe('pending');
    const later = await api.read<RunJson>(`/v1/runs/${run.id}`);
    expect(later.id).toBe(run.id);
  });

  it('answers 202 after about the wait when the clouds are slower than Prefer: wait=1', async () => {
    clouds.setExtraDelay(1_500);
    try {
      const started = Date.now();
      const response = await api.block('203.0.113.45', { prefer: 'wait=1' });
      const elapsed = Date.now() - started;
      const run = (await response.json()) as RunJson;
      expect(response.status, JSON.stringify(run)).toBe(202);
      expect(response.headers.get('location')).toBe(`/v1/runs/${run.id}`);
      expect(run.status).toBe('pending');
      expect(elapsed).toBeGreaterThanOrEqual(950);
      expect(elapsed).toBeLessThan(1_500 * 2);
    } finally {
      clouds.setExtraDelay(0);
    }
  });
});

// Last in the file: it stops the shared server.
describe('graceful stop', () => {
  it('exits 0 within a few seconds of SIGTERM even while a pass waits on a slow cloud', async () => {
    clouds.setExtraDelay(2_000);
    const response = await api.block('203.0.113.47');
    expect(response.status).toBe(202);
    await sleep(300); // the pass is now inside a cloud call
    const stopping = Date.now();
    server.process.kill('SIGTERM');
    // The intent is durable (committed before any cloud call) and resumed on the next start, so a stop
    // need not outwait the clouds: orchestrators SIGKILL after their grace period.
    const exit = await raceTimeout(server.exited, 5_000, () => `still running ${Date.now() - stopping} ms after SIGTERM`);
    expect(exit).toEqual({ code: 0, signal: null });
  });
});

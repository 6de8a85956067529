import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { createGcpSimulator, type GcpSimulator } from './index.ts';

const BASE = 'https://compute.googleapis.com/compute/v1/projects/portcullis-sandbox';
const RID = '6b1f0e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b';

/** The parts of compute JSON these tests read. */
interface ApiBody {
  [key: string]: unknown;
  name?: string;
  status?: string;
  nextPageToken?: string;
  clientOperationId?: string;
  items?: { name: string }[];
  tags?: { items?: string[]; fingerprint?: string };
  error?: { code: number; message: string; errors: { reason: string }[] };
}

function client(sim: GcpSimulator) {
  return async (method: string, path: string, body?: unknown, auth = true) => {
    const res = await sim.fetch(
      new Request(`${BASE}/${path}`, {
        method,
        headers: auth ? { authorization: 'Bearer test' } : {},
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
    return { status: res.status, body: (await res.json()) as ApiBody };
  };
}

const rule = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  network: 'global/networks/default',
  denied: [{ IPProtocol: 'all' }],
  sourceRanges: ['192.0.2.0/24'],
  ...extra,
});

describe('compute simulator: firewalls', () => {
  it('requires a bearer token', async () => {
    const call = client(createGcpSimulator());
    const res = await call('GET', 'global/firewalls', undefined, false);
    expect(res.status).toBe(401);
  });

  it('answers errors in the compute envelope with GCP reasons', async () => {
    const call = client(createGcpSimulator({ quotas: { firewalls: 3, sourceRangesPerRule: 2 } }));
    expect(await call('GET', 'global/firewalls/nope')).toEqual({
      status: 404,
      body: {
        error: {
          code: 404,
          message: "The resource 'projects/portcullis-sandbox/global/firewalls/nope' was not found",
          errors: [{ message: "The resource 'projects/portcullis-sandbox/global/firewalls/nope' was not found", domain: 'global', reason: 'notFound' }],
        },
      },
    });
    expect((await call('POST', 'global/firewalls', rule('a'))).status).toBe(200);
    const dup = await call('POST', 'global/firewalls', rule('a'));
    expect([dup.status, dup.body.error?.errors[0]?.reason]).toEqual([409, 'alreadyExists']);
    const quota = await call('POST', 'global/firewalls', rule('b'));
    expect([quota.status, quota.body.error?.errors[0]?.reason, quota.body.error?.message]).toEqual([
      403,
      'quotaExceeded',
      "Quota 'FIREWALLS' exceeded. Limit: 3.0 globally.",
    ]);
    const ranges = await call('POST', 'global/firewalls', rule('c', { sourceRanges: ['10.0.0.0/8', '10.1.0.0/16', '10.2.0.0/16'] }));
    expect([ranges.status, ranges.body.error?.errors[0]?.reason]).toEqual([413, 'fieldSizeTooLarge']);
    for (const bad of [{ name: 'Bad_Name' }, { priority: 70000 }, { allowed: [{ IPProtocol: 'tcp' }] }, { denied: [{ IPProtocol: 'icmp', ports: ['1'] }] }]) {
      expect((await call('POST', 'global/firewalls', rule('d', bad))).status).toBe(400);
    }
  });

  it('rejects an all-zero or malformed requestId and dedupes a repeated one', async () => {
    const sim = createGcpSimulator();
    const call = client(sim);
    expect((await call('POST', 'global/firewalls?requestId=00000000-0000-0000-0000-000000000000', rule('a'))).status).toBe(400);
    expect((await call('POST', 'global/firewalls?requestId=abc', rule('a'))).status).toBe(400);
    const first = await call('DELETE', `global/firewalls/default-allow-ssh?requestId=${RID}`);
    const second = await call('DELETE', `global/firewalls/default-allow-ssh?requestId=${RID}`);
    expect(second).toEqual({ status: 200, body: first.body });
    expect(first.body.clientOperationId).toBe(RID);
    // Without a requestId the same delete is a second mutation: 404.
    expect((await call('DELETE', 'global/firewalls/default-allow-ssh')).status).toBe(404);
  });

  it('lists with filter, maxResults and pageToken', async () => {
    const call = client(createGcpSimulator());
    for (const name of ['pc-a', 'pc-b', 'pc-c']) await call('POST', 'global/firewalls', rule(name));
    const page1 = await call('GET', 'global/firewalls?filter=name%20eq%20%22pc-.*%22&maxResults=2');
    expect(page1.body.items?.map((f) => f.name)).toEqual(['pc-a', 'pc-b']);
    const token = encodeURIComponent(page1.body.nextPageToken ?? '');
    const page2 = await call('GET', `global/firewalls?filter=name%20eq%20%22pc-.*%22&maxResults=2&pageToken=${token}`);
    expect(page2.body.items?.map((f) => f.name)).toEqual(['pc-c']);
    expect(page2.body.nextPageToken).toBeUndefined();
    expect((await call('GET', `global/firewalls?pageToken=${token}`)).status).toBe(400);
    const aip = await call('GET', 'global/firewalls?filter=priority%20%3D%2065534%20AND%20name%20!%3D%20default-allow-ssh');
    expect(aip.body.items?.map((f) => f.name)).toEqual(['default-allow-internal']);
    const ne = await call('GET', 'global/firewalls?filter=(name%20ne%20%22pc-.*%22)%20(network%20eq%20%22.*/default%22)');
    expect(ne.body.items).toHaveLength(2);
    const none = await call('GET', 'global/firewalls?filter=name%20eq%20zzz');
    expect(none.body.items).toBeUndefined();
    expect((await call('GET', 'global/firewalls?filter=(a%20eq%201)%20OR%20(b%20eq%202)')).status).toBe(400);
  });

  it('PATCH merges, PUT replaces, and neither may change direction or action', async () => {
    const call = client(createGcpSimulator());
    await call('POST', 'global/firewalls', rule('a', { targetTags: ['web'] }));
    await call('PATCH', 'global/firewalls/a', { priority: 10 });
    expect((await call('GET', 'global/firewalls/a')).body).toMatchObject({ priority: 10, targetTags: ['web'], sourceRanges: ['192.0.2.0/24'] });
    await call('PUT', 'global/firewalls/a', rule('a', { sourceRanges: ['198.51.100.0/24'] }));
    const replaced = (await call('GET', 'global/firewalls/a')).body;
    expect(replaced).toMatchObject({ priority: 1000, sourceRanges: ['198.51.100.0/24'] });
    expect(replaced.targetTags).toBeUndefined();
    expect((await call('PUT', 'global/firewalls/a', rule('a', { direction: 'EGRESS', sourceRanges: undefined, destinationRanges: ['0.0.0.0/0'] }))).status).toBe(400);
    expect((await call('PUT', 'global/firewalls/a', { ...rule('a'), denied: undefined, allowed: [{ IPProtocol: 'all' }] })).status).toBe(400);
  });
});

describe('compute simulator: operations, tags, faults', () => {
  it('moves operations PENDING → RUNNING → DONE over polls', async () => {
    const sim = createGcpSimulator();
    const call = client(sim);
    sim.controls.slowOperations(2);
    const op = (await call('POST', 'global/firewalls', rule('a'))).body;
    expect(op).toMatchObject({ kind: 'compute#operation', status: 'PENDING', operationType: 'insert', progress: 0 });
    const statuses: (string | undefined)[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('GET', `global/operations/${op.name}`)).body.status);
    expect(statuses).toEqual(['RUNNING', 'RUNNING', 'DONE']);
    expect((await call('POST', `global/operations/${op.name}/wait`)).body).toMatchObject({ status: 'DONE', progress: 100 });
    expect((await call('GET', `zones/us-central1-a/operations/${op.name}`)).status).toBe(404);
  });

  it('ends a failed mutation DONE with error and leaves the state alone', async () => {
    const sim = createGcpSimulator();
    const call = client(sim);
    sim.controls.failNextOperations(1, { code: 'RESOURCE_NOT_FOUND', message: 'The resource was not found', httpStatus: 404 });
    const op = (await call('POST', 'global/firewalls', rule('a'))).body;
    const done = (await call('POST', `global/operations/${op.name}/wait`)).body;
    expect(done).toMatchObject({
      status: 'DONE',
      httpErrorStatusCode: 404,
      httpErrorMessage: 'NOT FOUND',
      error: { errors: [{ code: 'RESOURCE_NOT_FOUND' }] },
    });
    expect((await call('GET', 'global/firewalls/a')).status).toBe(404);
  });

  it('setTags needs the current fingerprint (412 conditionNotMet otherwise)', async () => {
    const sim = createGcpSimulator();
    const call = client(sim);
    const instance = (await call('GET', 'zones/us-central1-a/instances/web-1')).body;
    expect(instance.tags).toEqual({ items: ['http-server', 'https-server'], fingerprint: expect.any(String) });
    const stale = await call('POST', 'zones/us-central1-a/instances/web-1/setTags', { items: ['x'], fingerprint: 'AAAAAAAAAAA=' });
    expect([stale.status, stale.body.error?.errors[0]?.reason]).toEqual([412, 'conditionNotMet']);
    const op = (await call('POST', 'zones/us-central1-a/instances/web-1/setTags', { items: ['x'], fingerprint: instance.tags?.fingerprint })).body;
    expect(op).toMatchObject({ operationType: 'setTags', zone: expect.stringMatching(/\/zones\/us-central1-a$/) });
    expect((await call('POST', `zones/us-central1-a/operations/${op.name}/wait`)).body.status).toBe('DONE');
    const after = (await call('GET', 'zones/us-central1-a/instances/web-1')).body.tags;
    expect(after?.items).toEqual(['x']);
    expect(after?.fingerprint).not.toBe(instance.tags?.fingerprint);
  });

  it('enforces the per-minute write quota on the injected clock', async () => {
    const clock = new FakeClock();
    const sim = createGcpSimulator({ clock, writeRateLimits: true, quotas: { writesPerMinute: 2 } });
    const call = client(sim);
    expect((await call('POST', 'global/firewalls', rule('a'))).status).toBe(200);
    expect((await call('GET', 'global/firewalls')).status).toBe(200);
    expect((await call('POST', 'global/firewalls', rule('b'))).status).toBe(200);
    const limited = await call('POST', 'global/firewalls', rule('c'));
    expect([limited.status, limited.body.error?.errors[0]?.reason]).toEqual([403, 'rateLimitExceeded']);
    clock.advance(60_000);
    expect((await call('POST', 'global/firewalls', rule('c'))).status).toBe(200);
    expect(sim.controls.writeCalls()).toBe(4);
    expect(sim.controls.throttledCalls()).toBe(1);
  });

  it('injects latency on the clock and seeded errors deterministically', async () => {
    const clock = new FakeClock();
    const slow = client(createGcpSimulator({ clock, latencyMs: 250 }));
    await slow('GET', 'global/firewalls');
    expect(clock.sleeps).toEqual([250]);
    const run = async () => {
      const call = client(createGcpSimulator({ errorRate: 0.5, seed: 42 }));
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await call('GET', 'global/firewalls')).status);
      return statuses;
    };
    const first = await run();
    expect(first).toContain(503);
    expect(first).toContain(200);
    expect(await run()).toEqual(first);
  });
});

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { createCloudflareSimulator } from './index.ts';
import { CF_SIM_ACCOUNT, CF_SIM_LIST_ID, CF_SIM_ZONE } from './seed.ts';

/** The simulator on its own, at the wire: what the connector (and any other client) relies on. */
const LISTS = `/accounts/${CF_SIM_ACCOUNT}/rules/lists`;
const ITEMS = `${LISTS}/${CF_SIM_LIST_ID}/items`;

function start(options: Parameters<typeof createCloudflareSimulator>[0] = {}) {
  const clock = new FakeClock();
  const sim = createCloudflareSimulator({ clock, ...options });
  const call = async (method: string, path: string, body?: unknown, token = 'portcullis-simulator-token') => {
    const response = await sim.fetch(
      new Request(`https://api.cloudflare.com/client/v4${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
    // biome-ignore lint/suspicious/noExplicitAny: wire-level JSON, asserted field by field
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  };
  const waitFor = async (operationId: string) => {
    for (let i = 0; i < 20; i++) {
      const op = await call('GET', `${LISTS}/bulk_operations/${operationId}`);
      if (op.body.result.status === 'completed' || op.body.result.status === 'failed') return op.body.result;
    }
    throw new Error('operation never finished');
  };
  return { clock, sim, call, waitFor };
}

describe('envelope and errors', () => {
  it('answers every call in the v4 envelope with a cf-ray id', async () => {
    const { call } = start();
    const lists = await call('GET', LISTS);
    expect(lists.status).toBe(200);
    expect(lists.body).toMatchObject({ success: true, errors: [], messages: [] });
    expect(lists.headers.get('cf-ray')).toMatch(/-SJC$/);
    expect(lists.body.result.find((l: { id: string }) => l.id === CF_SIM_LIST_ID)).toMatchObject({ name: 'portcullis_blocks', kind: 'ip', num_items: 0, num_referencing_filters: 1 });
  });

  it('refuses a missing or unknown token with 403 code 10000, and unknown routes and ids', async () => {
    const { call } = start();
    const denied = await call('GET', LISTS, undefined, 'not-a-token');
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ success: false, errors: [{ code: 10000, message: 'Authentication error' }], messages: [], result: null });
    expect((await call('GET', '/accounts/ffffffffffffffffffffffffffffffff/rules/lists')).body.errors[0].code).toBe(7003);
    expect((await call('GET', '/nowhere')).body.errors[0].code).toBe(7000);
  });

  it('enforces 1,200 requests per 5 minutes per user: 429 code 971 with Retry-After, then lets calls through', async () => {
    const { call, clock } = start({ quotas: { requestsPerFiveMinutes: 3 } });
    const remaining = [];
    for (let i = 0; i < 3; i++) {
      const answer = await call('GET', LISTS);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-ratelimit-limit')).toBe('3');
      remaining.push(answer.headers.get('x-ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    clock.advance(60_000);
    const limited = await call('GET', LISTS);
    expect(limited.status).toBe(429);
    expect(limited.body.errors[0].code).toBe(971);
    expect(Number(limited.headers.get('retry-after'))).toBe(240);
    clock.advance(240_000);
    expect((await call('GET', LISTS)).status).toBe(200);
  });
});

describe('items and bulk operations', () => {
  it('POST appends asynchronously: pending, running, then completed, and only then are the items there', async () => {
    const { call, sim } = start();
    sim.controls.slowOperations(2);
    const started = await call('POST', ITEMS, [{ ip: '203.0.113.7', comment: 'c2' }, { ip: '2001:db8:7::/64' }]);
    expect(started.status).toBe(200);
    const id = started.body.result.operation_id;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect((await call('GET', ITEMS)).body.result).toEqual([]);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('GET', `${LISTS}/bulk_operations/${id}`)).body.result.status);
    expect(statuses).toEqual(['pending', 'running', 'completed']);
    const items = (await call('GET', ITEMS)).body.result;
    expect(items.map((i: { ip: string }) => i.ip)).toEqual(['203.0.113.7', '2001:db8:7::/64']);
    expect(items[0]).toMatchObject({ comment: 'c2', id: expect.stringMatching(/^[0-9a-f]{32}$/), created_on: expect.any(String) });
  });

  it('allows one pending bulk operation per account: a second write is refused with 429 until it completes', async () => {
    const { call, sim, waitFor } = start();
    sim.controls.slowOperations(1);
    const first = await call('POST', ITEMS, [{ ip: '192.0.2.1' }]);
    const second = await call('POST', ITEMS, [{ ip: '192.0.2.2' }]);
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(second.body.errors[0].message).toMatch(/pending bulk operation/);
    await waitFor(first.body.result.operation_id);
    expect((await call('POST', ITEMS, [{ ip: '192.0.2.2' }])).status).toBe(200);
  });

  it('refuses items Cloudflare does not accept, synchronously and without an operation', async () => {
    const { call, sim } = start();
    const refused = async (items: unknown) => (await call('POST', ITEMS, items)).body.errors[0];
    expect((await refused([{ ip: '2001:db8::7/128' }])).message).toMatch(/\/4 to \/64/);
    expect((await refused([{ ip: '2001:db8::7' }])).message).toMatch(/\/4 to \/64/);
    expect((await refused([{ ip: '10.0.0.0/7' }])).message).toMatch(/\/8 to \/32/);
    expect((await refused([{ ip: '10.0.0.5/24' }])).message).toMatch(/bits set beyond the \/24 prefix/);
    expect((await refused([{ ip: '192.0.2.1' }, { ip: '192.0.2.1/32' }])).code).toBe(10028);
    expect((await refused([{ asn: 13335 }])).code).toBe(10058);
    expect(sim.controls.operations()).toEqual([]);
  });

  it('pages items by cursor (at most 500 a page), sorted by address then prefix', async () => {
    const { call, waitFor } = start();
    const ips = Array.from({ length: 600 }, (_, i) => `10.${Math.floor(i / 250)}.${i % 250}.0/24`);
    await waitFor((await call('POST', ITEMS, ips.map((ip) => ({ ip })))).body.result.operation_id);
    expect((await call('GET', `${ITEMS}?per_page=501`)).status).toBe(400);
    const first = await call('GET', `${ITEMS}?per_page=500`);
    expect(first.body.result).toHaveLength(500);
    const after = first.body.result_info.cursors.after;
    const second = await call('GET', `${ITEMS}?per_page=500&cursor=${after}`);
    expect(second.body.result).toHaveLength(100);
    expect(second.body.result_info.cursors.after).toBeUndefined();
    expect([...first.body.result, ...second.body.result].map((i: { ip: string }) => i.ip)).toEqual(ips);
  });

  it('PUT replaces every item, DELETE removes by id, and exceeding the account item limit fails the operation changing nothing', async () => {
    const { call, sim, waitFor } = start({ quotas: { listItems: 4 } });
    await waitFor((await call('POST', ITEMS, [{ ip: '192.0.2.1' }, { ip: '192.0.2.2' }])).body.result.operation_id);
    // The partner list holds 2 items: 2 + 3 > 4.
    const tooMany = await waitFor((await call('PUT', ITEMS, [{ ip: '192.0.2.3' }, { ip: '192.0.2.4' }, { ip: '192.0.2.5' }])).body.result.operation_id);
    expect(tooMany).toMatchObject({ status: 'failed', error: expect.stringMatching(/maximum number of list items \(4\)/) });
    expect(sim.controls.listItems('portcullis_blocks')).toEqual(['192.0.2.1', '192.0.2.2']);
    await waitFor((await call('PUT', ITEMS, [{ ip: '192.0.2.9' }])).body.result.operation_id);
    const [item] = (await call('GET', ITEMS)).body.result;
    expect(item.ip).toBe('192.0.2.9');
    await waitFor((await call('DELETE', ITEMS, { items: [{ id: item.id }] })).body.result.operation_id);
    expect(sim.controls.listItems('portcullis_blocks')).toEqual([]);
  });
});

describe('Lists API write limit (writeRateLimits)', () => {
  it('refuses more than 10,000 list item changes in 5 minutes with 429 and a Retry-After', async () => {
    const { call, clock, waitFor } = start({ writeRateLimits: true, quotas: { listItems: 500_000 } });
    const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ ip: `10.${Math.floor((from + i) / 256) % 256}.${(from + i) % 256}.0/24` }));
    await waitFor((await call('POST', ITEMS, batch(0, 9_000))).body.result.operation_id);
    clock.advance(60_000);
    const over = await call('POST', ITEMS, batch(9_000, 1_500));
    expect(over.status).toBe(429);
    expect(over.body.errors[0]).toMatchObject({ code: 971, message: expect.stringMatching(/10000 list item changes in 5 minutes/) });
    expect(Number(over.headers.get('retry-after'))).toBe(240);
    expect((await call('POST', ITEMS, batch(9_000, 1_000))).status).toBe(200);
  });
});

describe('rulesets', () => {
  it('serves the zone entry point of the custom rules phase, and a ruleset by id', async () => {
    const { call } = start();
    const entry = await call('GET', `/zones/${CF_SIM_ZONE}/rulesets/phases/http_request_firewall_custom/entrypoint`);
    expect(entry.body.result).toMatchObject({ kind: 'zone', phase: 'http_request_firewall_custom' });
    expect(entry.body.result.rules[0]).toMatchObject({ action: 'block', expression: 'ip.src in $portcullis_blocks', enabled: true });
    const byId = await call('GET', `/zones/${CF_SIM_ZONE}/rulesets/${entry.body.result.id}`);
    expect(byId.body.result.id).toBe(entry.body.result.id);
    expect((await call('GET', `/zones/${CF_SIM_ZONE}/rulesets/phases/http_request_firewall_managed/entrypoint`)).status).toBe(404);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readProblem } from '../edge/expect-problem.ts';
import { type E2E, startE2E } from '../support/e2e.ts';

/**
 * GET /v1/blocks for large sets (issue 11): pages in address order with a cursor, filters, and
 * "is this address blocked, where, until when?" (?ip=), end to end through the signed API.
 */
interface BlockJson {
  cidr: string;
  direction: string;
  expires_at: string | null;
  offenses: number;
  targets: { connector: string; target: string; state: string; error: string | null; run: string }[];
}
interface BlocksBody {
  blocks: BlockJson[];
  next_cursor: string | null;
  next: string | null;
  ip?: string;
  blocked?: boolean;
}

let e: E2E;
beforeEach(async () => {
  e = await startE2E();
});
afterEach(async () => {
  await e.close();
});

const get = async (path: string): Promise<BlocksBody> => {
  const res = await e.call('GET', path);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as BlocksBody;
};
const cidrs = (body: BlocksBody) => body.blocks.map((b) => `${b.cidr} ${b.direction}`);

async function seed() {
  expect((await e.run('block-ip', { indicators: ['203.0.113.0/24', '2001:db8:7::/64'], incident_id: 'INC-1' })).run.status).toBe('applied');
  const short = await e.run('block-ip', { indicators: ['203.0.114.9'], ttl: '1h' });
  expect(short.run.status, JSON.stringify(short.run)).toBe('applied');
  const detector = await e.call('POST', '/v1/playbooks/block-ip/runs', { playbook: 'block-ip', inputs: { indicators: '203.0.112.77' } }, { client: 'detector' });
  expect(detector.status).toBe(202);
  await e.reconciler.idle();
}

describe('happy: pages, filters and address lookups', () => {
  it('pages every block in address order, following next until it is null', async () => {
    await seed();
    const first = await get('/v1/blocks?limit=2');
    expect(cidrs(first)).toEqual(['203.0.112.77/32 ingress', '203.0.113.0/24 ingress']);
    expect(first.next).toBe(`/v1/blocks?limit=2&cursor=${first.next_cursor}`);
    const second = await get(first.next as string);
    expect(cidrs(second)).toEqual(['203.0.114.9/32 ingress', '2001:db8:7::/64 ingress']);
    // The store reads one block past the page, so the last page says it is the last.
    expect(second).toMatchObject({ next_cursor: null, next: null });
    // Without a limit: the default page (100) holds all four, and the shape callers already read is kept.
    const all = await get('/v1/blocks');
    expect(all.blocks).toHaveLength(4);
    expect(all.next_cursor).toBeNull();
    expect(all.blocks[1]).toMatchObject({
      cidr: '203.0.113.0/24',
      direction: 'ingress',
      expires_at: new Date(e.clock.now() + 24 * 3_600_000).toISOString(),
      offenses: 1,
    });
    expect(all.blocks[1]?.targets.map((t) => `${t.connector}/${t.target}:${t.state}`)).toEqual([
      'aws-sandbox/edge:applied',
      'azure-sandbox/edge:applied',
      'cloudflare-sandbox/edge:applied',
      'gcp-sandbox/edge:applied',
    ]);
    // A block added meanwhile before the cursor is not seen on later pages; after it, it is.
    const third = await get('/v1/blocks?limit=3');
    expect((await e.run('block-ip', { indicators: ['203.0.112.1', '203.0.116.1'] })).run.status).toBe('applied');
    expect(cidrs(await get(third.next as string))).toEqual(['203.0.116.1/32 ingress', '2001:db8:7::/64 ingress']);
  });

  it('answers whether, where, by which CIDR and until when an address is blocked', async () => {
    await seed();
    const hit = await get('/v1/blocks?ip=203.0.113.200');
    expect(hit.ip).toBe('203.0.113.200');
    expect(hit.blocked).toBe(true);
    expect(cidrs(hit)).toEqual(['203.0.113.0/24 ingress']);
    expect(hit.blocks[0]?.targets.map((t) => t.connector)).toEqual(['aws-sandbox', 'azure-sandbox', 'cloudflare-sandbox', 'gcp-sandbox']);
    expect(hit.blocks[0]?.expires_at).toBe(new Date(e.clock.now() + 24 * 3_600_000).toISOString());
    // IPv4-mapped IPv6 is the IPv4 address; IPv6 in a /64.
    expect(await get('/v1/blocks?ip=%3A%3Affff%3A203.0.113.5')).toMatchObject({ ip: '203.0.113.5', blocked: true });
    expect(cidrs(await get('/v1/blocks?ip=2001:db8:7::abcd'))).toEqual(['2001:db8:7::/64 ingress']);
    expect(await get('/v1/blocks?ip=203.0.115.1')).toEqual({ blocks: [], next_cursor: null, next: null, ip: '203.0.115.1', blocked: false });
    expect(await get('/v1/blocks?ip=2001:db8:8::1')).toMatchObject({ blocks: [], blocked: false });
    // Where: combined with a target filter.
    const aws = await get('/v1/blocks?ip=203.0.113.9&target=aws-sandbox/edge');
    expect(aws.blocks[0]?.targets.map((t) => t.connector)).toEqual(['aws-sandbox']);
  });

  it('filters by target, state, expiry, incident and client', async () => {
    await seed();
    const onAzure = await get('/v1/blocks?target=azure-sandbox');
    expect(onAzure.blocks).toHaveLength(4);
    expect(new Set(onAzure.blocks.flatMap((b) => b.targets.map((t) => `${t.connector}/${t.target}`)))).toEqual(new Set(['azure-sandbox/edge']));
    expect(await get('/v1/blocks?target=azure-sandbox/nope')).toMatchObject({ blocks: [] });
    expect((await get('/v1/blocks?state=applied')).blocks).toHaveLength(4);
    expect((await get('/v1/blocks?state=failed')).blocks).toEqual([]);
    const soon = encodeURIComponent(new Date(e.clock.now() + 2 * 3_600_000).toISOString());
    expect(cidrs(await get(`/v1/blocks?expires_before=${soon}`))).toEqual(['203.0.114.9/32 ingress']);
    expect(cidrs(await get('/v1/blocks?incident=INC-1'))).toEqual(['203.0.113.0/24 ingress', '2001:db8:7::/64 ingress']);
    expect(cidrs(await get('/v1/blocks?client=detector'))).toEqual(['203.0.112.77/32 ingress']);
    // The next link keeps the filters.
    const paged = await get('/v1/blocks?incident=INC-1&limit=1');
    expect(paged.next).toMatch(/^\/v1\/blocks\?incident=INC-1&limit=1&cursor=/);
    expect(cidrs(await get(paged.next as string))).toEqual(['2001:db8:7::/64 ingress']);
  });
});

describe('errors: a bad cursor, address or filter is a 400 problem naming the parameter, audited', () => {
  const bad: [string, RegExp][] = [
    ['cursor=not-a-cursor', /^cursor: not a cursor this API issued/],
    [`cursor=${btoa('b1.zz')}`, /^cursor: not a cursor/],
    ['ip=203.0.113.0%2F24', /^ip: "203\.0\.113\.0\/24" has a prefix length; expected one IPv4 or IPv6 address/],
    ['ip=999.1.1.1', /^ip: .*"999\.1\.1\.1"; expected one IPv4 or IPv6 address/],
    ['ip=', /^ip: .*expected one IPv4 or IPv6 address/],
    ['state=gone', /^state: /],
    ['expires_before=tomorrow', /^expires_before: expected an ISO-8601 time/],
    ['limit=0', /^limit: /],
    ['limit=1001', /^limit: /],
    ['target=%2Fedge', /^target: expected a connector id or <connector>\/<target>/],
    ['target=aws-sandbox%2F', /^target: expected a connector id or <connector>\/<target>/],
    ['cidr=10.0.0.0', /cidr|Unrecognized/i],
  ];
  for (const [query, detail] of bad) {
    it(`refuses ?${query}`, async () => {
      const body = await readProblem(await e.call('GET', `/v1/blocks?${query}`), { status: 400, code: 'invalid_query', detail });
      const events = (await e.services.store.auditAfter(0, 1000)).filter((a) => a.request_id === body.request_id);
      expect(events.map((a) => [a.action, a.outcome, a.client_id, (a.detail as { code?: string } | undefined)?.code])).toEqual([
        ['request.refused', 'refused', 'soar', 'invalid_query'],
      ]);
    });
  }
});

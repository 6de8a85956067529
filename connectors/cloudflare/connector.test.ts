import { afterEach, describe, expect, it } from 'vitest';
import type { NormalizedRule, RuleChange } from '../../src/connectors/types.ts';
import { blockMatch } from './connector.ts';
import { CF_SIM_RULESET, CF_SIM_ZONE } from './simulator/seed.ts';
import { startTestbed, TARGET, type Testbed } from './testbed.ts';

/** The connector against its simulator through fetch (msw): what a SOC relies on beyond the contract suite. */
let bed: Testbed;
afterEach(() => bed?.close());

const block = (...cidrs: string[]): NormalizedRule => ({ ...blockMatch(), cidrs, owned: true });
const create = (...cidrs: string[]): RuleChange => ({ op: 'create', rule: block(...cidrs) });
const OWNED_RULE_ID = '3a03d665bac047339bb530ecb439a90d';

describe('check', () => {
  it('passes on an owned IP list that an enabled block rule references, and writes nothing', async () => {
    bed = startTestbed();
    const result = await bed.connector.check(TARGET);
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(bed.sim.controls.writeCalls()).toBe(0);
  });

  const broken: [string, Record<string, unknown>, RegExp][] = [
    ['a list that does not exist', { listName: 'no_such_list' }, /"no_such_list" does not exist in the account; create an IP list/],
    ['a list without the ownership marker', { listName: 'partner_blocks' }, /"partner_blocks" is not owned by portcullis: its description does not contain "managed-by:portcullis"/],
    ['a list of another kind', { listName: 'bad_asns' }, /"bad_asns" is of kind "asn"; blocks need a list of kind "ip"/],
    ['a list no rule references', { listName: 'portcullis_spare' }, /no rule in ruleset .* references the list: add a custom rule with expression "ip\.src in \$portcullis_spare"/],
  ];
  for (const [what, target, message] of broken) {
    it(`fails clearly on ${what}, and modifies nothing`, async () => {
      bed = startTestbed({ config: { targets: [{ id: TARGET, zoneId: CF_SIM_ZONE, ...target }] } });
      const result = await bed.connector.check(TARGET);
      expect(result.ok).toBe(false);
      expect(result.checks.filter((c) => !c.ok).map((c) => c.detail).join('\n')).toMatch(message);
      // Nothing is ever written to such a list, by a pass either.
      await expect(bed.connector.list(TARGET)).rejects.toThrow(message);
      const results = await bed.connector.apply(TARGET, [create('192.0.2.1/32')]);
      expect(results[0]).toMatchObject({ ok: false, error: { retryable: false } });
      expect(bed.sim.controls.writeCalls()).toBe(0);
    });
  }

  it('fails when the referencing rule is disabled or does not block, and list() refuses to report blocks nothing enforces', async () => {
    bed = startTestbed();
    bed.sim.controls.editRule(CF_SIM_RULESET, OWNED_RULE_ID, { enabled: false });
    expect((await bed.connector.check(TARGET)).checks.find((c) => !c.ok)?.detail).toMatch(/block rule referencing \$portcullis_blocks .* is disabled/);
    await expect(bed.connector.list(TARGET)).rejects.toMatchObject({ info: { code: 'LIST_NOT_ENFORCED', retryable: false } });
    bed.sim.controls.editRule(CF_SIM_RULESET, OWNED_RULE_ID, { enabled: true, action: 'log' });
    expect((await bed.connector.check(TARGET)).checks.find((c) => !c.ok)?.detail).toMatch(/has action "log"; blocks need action block/);
  });

  it('sends the API token from its secret reference only as a Bearer header, and never logs or returns it', async () => {
    const token = 'cf-token-7c4e1f0a9b2d';
    bed = startTestbed({
      sim: { seedState: { ...(await import('./simulator/seed.ts')).defaultSeed(), tokens: [token] } },
      config: { credentials: { apiToken: { env: 'CF_TOKEN' } } },
      secrets: { CF_TOKEN: token },
    });
    expect((await bed.connector.check(TARGET)).ok).toBe(true);
    bed.close();
    bed = startTestbed({ config: { credentials: { apiToken: { env: 'CF_TOKEN' } } }, secrets: { CF_TOKEN: 'wrong-token-5e5e' } });
    const denied = await bed.connector.check(TARGET);
    expect(denied.ok).toBe(false);
    const text = JSON.stringify(denied) + bed.logs.join('\n');
    expect(text).toMatch(/Authentication error \(code 10000\).*Account Filter Lists Edit/);
    expect(text).not.toContain('wrong-token-5e5e');
  });
});

describe('validate', () => {
  it('accepts IPv4 /8-/32 and IPv6 /4-/64 in one list', () => {
    bed = startTestbed();
    expect(bed.connector.validate(TARGET, block('203.0.113.7/32', '10.0.0.0/8', '2001:db8:7::/64', '2000::/4'))).toEqual([]);
  });

  it('refuses what a Cloudflare list cannot hold, naming the rule and what to send instead', () => {
    bed = startTestbed();
    const problems = (rule: NormalizedRule) => bed.connector.validate(TARGET, rule).join('\n');
    expect(problems(block('2001:db8::7/128'))).toMatch(/IPv6 prefixes \/4 to \/64 only, not \/128 \(a single IPv6 address cannot be listed: block its \/64, e.g. "2001:db8::\/64"\)/);
    expect(problems(block('10.0.0.0/7'))).toMatch(/IPv4 prefixes \/8 to \/32 only, not \/7/);
    expect(problems(block('2000::/3'))).toMatch(/IPv6 prefixes \/4 to \/64 only, not \/3/);
    expect(problems({ ...block('192.0.2.0/24'), action: 'allow' })).toMatch(/holds blocks only: .* an allow rule cannot be expressed/);
    expect(problems({ ...block('192.0.2.0/24'), direction: 'egress' })).toMatch(/direction must be ingress/);
    expect(problems({ ...block('192.0.2.0/24'), protocol: 'tcp', ports: [{ from: 22, to: 22 }] })).toMatch(/protocol must be "all" with no ports, not tcp ports 22/);
  });
});

describe('apply', () => {
  it('blocks a thousand addresses with one item write, and lifts some with one DELETE', async () => {
    bed = startTestbed();
    const cidrs = Array.from({ length: 1000 }, (_, i) => `198.18.${Math.floor(i / 250)}.${i % 250}/32`);
    const [created] = await bed.connector.apply(TARGET, [create(...cidrs)]);
    expect(created?.error).toBeUndefined();
    expect(bed.sim.controls.writeCalls()).toBe(1);
    expect(bed.sim.controls.listItems('portcullis_blocks')).toHaveLength(1000);
    expect(created?.calls.map((c) => c.operation)).toEqual(['lists-get-lists', 'getZoneEntrypointRuleset', 'lists-get-list-items', 'lists-create-list-items', 'lists-get-bulk-operation-status']);
    const [listed] = (await bed.connector.list(TARGET)).filter((r) => r.owned);
    expect(listed?.cidrs).toHaveLength(1000);
    const [shrunk] = await bed.connector.apply(TARGET, [{ op: 'update', before: listed as NormalizedRule, rule: block(...cidrs.slice(0, 900)) }]);
    expect(shrunk?.calls.map((c) => c.operation)).toContain('lists-delete-list-items');
    expect(bed.sim.controls.writeCalls()).toBe(2);
    expect(bed.sim.controls.listItems('portcullis_blocks')).toHaveLength(900);
  });

  it('adds and removes in one PUT of the whole list', async () => {
    bed = startTestbed();
    await bed.connector.apply(TARGET, [create('192.0.2.1/32', '192.0.2.2/32')]);
    const [listed] = (await bed.connector.list(TARGET)).filter((r) => r.owned);
    const [swapped] = await bed.connector.apply(TARGET, [{ op: 'update', before: listed as NormalizedRule, rule: block('192.0.2.2/32', '2001:db8:7::/64') }]);
    expect(swapped?.error).toBeUndefined();
    expect(swapped?.calls.map((c) => c.operation)).toContain('lists-update-all-list-items');
    expect(bed.sim.controls.writeCalls()).toBe(2);
    expect(bed.sim.controls.listItems('portcullis_blocks')).toEqual(['192.0.2.2', '2001:db8:7::/64']);
  });

  it('polls each bulk operation on the injected clock until it completes', async () => {
    bed = startTestbed();
    bed.sim.controls.slowOperations(4);
    const [result] = await bed.connector.apply(TARGET, [create('192.0.2.1/32')]);
    expect(result?.ok).toBe(true);
    const polls = result?.calls.find((c) => c.operation === 'lists-get-bulk-operation-status');
    expect(polls?.attempts).toHaveLength(5);
    expect(bed.clock.sleeps).toEqual([500, 500, 500, 500]);
  });

  it('waits out a bulk operation someone else left pending on the account (429), then writes', async () => {
    bed = startTestbed();
    bed.sim.controls.slowOperations(3);
    // Another client's write, never polled: it completes on its own after a while.
    const other = await bed.sim.fetch(
      new Request('https://api.cloudflare.com/client/v4/accounts/023e105f4ecef8ad9ca31a8372d0c353/rules/lists/b7e4d1a0c9f34e1f8a2b6c5d4e3f2a10/items', {
        method: 'POST',
        headers: { authorization: 'Bearer portcullis-simulator-token', 'content-type': 'application/json' },
        body: JSON.stringify([{ ip: '192.0.2.99' }]),
      }),
    );
    expect(other.status).toBe(200);
    bed.sim.controls.slowOperations(0);
    const [result] = await bed.connector.apply(TARGET, [create('192.0.2.1/32')]);
    expect(result?.error).toBeUndefined();
    const write = result?.calls.find((c) => c.operation === 'lists-create-list-items');
    expect(write?.attempts.filter((a) => a.outcome === 'retryable').every((a) => a.status === 429)).toBe(true);
    expect(write?.attempts.length).toBeGreaterThan(1);
    expect(bed.sim.controls.listItems('portcullis_blocks')).toEqual(['192.0.2.1']);
  });

  it('honours the global rate limit: waits at least the Retry-After the 429 gave', async () => {
    bed = startTestbed({ sim: { quotas: { requestsPerFiveMinutes: 5 } } });
    await bed.connector.list(TARGET);
    // Three requests made at t0; 290 s later two more fit, and the window frees 10 s after that.
    bed.clock.advance(290_000);
    const [result] = await bed.connector.apply(TARGET, [create('192.0.2.1/32')]);
    expect(result?.error).toBeUndefined();
    const throttled = result?.calls.flatMap((c) => c.attempts).filter((a) => a.code === '971');
    expect(throttled).toHaveLength(1);
    expect(bed.clock.sleeps[0]).toBeGreaterThanOrEqual(10_000);
    expect(bed.sim.controls.listItems('portcullis_blocks')).toEqual(['192.0.2.1']);
  });

  it('gives up clearly when the rate limit blocks past the retry deadline, writing nothing', async () => {
    bed = startTestbed({ sim: { quotas: { requestsPerFiveMinutes: 3 } } });
    await bed.connector.list(TARGET);
    const [result] = await bed.connector.apply(TARGET, [create('192.0.2.1/32')]);
    expect(result?.error).toMatchObject({ kind: 'throttled', code: '971', message: expect.stringMatching(/Please wait and consider throttling.*gave up, the 120000 ms deadline/) });
    expect(bed.sim.controls.listItems('portcullis_blocks')).toEqual([]);
  });

  it('counts the items of the account’s other lists against the plan limit, and refuses past it before any write', async () => {
    bed = startTestbed({ config: { maxItems: 5 } });
    await bed.connector.list(TARGET);
    // partner_blocks holds 2 of the 5.
    expect(bed.connector.limits(TARGET, 'cf-list')).toMatchObject({ maxPrefixesPerRule: 3, maxPrefixesPerTarget: 3, maxRulesPerDirection: 1, mixesAddressFamilies: true });
    const [refused] = await bed.connector.apply(TARGET, [create('192.0.2.1/32', '192.0.2.2/32', '192.0.2.3/32', '192.0.2.4/32')]);
    expect(refused?.error).toMatchObject({ kind: 'capacity', retryable: false, message: expect.stringMatching(/would hold 4 items but only 3 fit/) });
    expect(bed.sim.controls.writeCalls()).toBe(0);
    bed.close();
    bed = startTestbed({ config: { plan: 'enterprise' } });
    expect(bed.connector.limits(TARGET, 'cf-list').maxPrefixesPerRule).toBe(500_000);
  });

  it('reads a list of more than 500 items page by page', async () => {
    bed = startTestbed();
    const cidrs = Array.from({ length: 1200 }, (_, i) => `10.${Math.floor(i / 200)}.${i % 200}.0/24`);
    await bed.connector.apply(TARGET, [create(...cidrs)]);
    const before = bed.sim.controls.requests();
    const [owned] = (await bed.connector.list(TARGET)).filter((r) => r.owned);
    expect(owned?.cidrs).toHaveLength(1200);
    // lists + ruleset + 3 pages of items.
    expect(bed.sim.controls.requests() - before).toBe(5);
  });

  it('lists simple blocks made in the dashboard as foreign rules, and skips other expressions', async () => {
    bed = startTestbed();
    await bed.sim.controls.addForeignRule(CF_SIM_RULESET, { ...block('198.51.100.0/24', '2001:db8:9::/48'), owned: false, description: 'by hand' });
    const foreign = (await bed.connector.list(TARGET)).filter((r) => !r.owned);
    expect(foreign).toEqual([{ ...blockMatch(), cidrs: ['198.51.100.0/24', '2001:db8:9::/48'], owned: false, cloudId: expect.any(String), description: 'by hand' }]);
  });
});

describe('quarantine', () => {
  it('is refused clearly: a list has no hosts', async () => {
    bed = startTestbed();
    const result = await bed.connector.quarantine(TARGET, 'i-0abc');
    expect(result).toMatchObject({ ok: false, calls: [], error: { kind: 'validation', code: 'QUARANTINE_NOT_SUPPORTED', retryable: false } });
    expect(result.error?.message).toMatch(/quarantine the host on the connector of the cloud it runs in/);
  });
});

describe('capabilities', () => {
  it('declares blocks only, so allow and quarantine playbooks aimed at it are refused at start', () => {
    bed = startTestbed();
    expect(bed.connector.capabilities).toEqual({ allows: false, quarantine: false });
  });
});

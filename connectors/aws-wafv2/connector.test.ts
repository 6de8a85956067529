import { afterEach, describe, expect, it } from 'vitest';
import type { RuleMatch } from '../../src/reconcile/packing-match.ts';
import { plan } from '../../src/reconcile/packing-plan.ts';
import { awsWafv2ConfigSchema } from './config.ts';
import { createWafConnector } from './connector.ts';
import { blockRuleName } from './names.ts';
import { WAF_SIM_WEB_ACL } from './simulator/seed.ts';
import { blockRule, CONNECTOR_ID, startTestbed, TARGET, testContext } from './testbed.ts';

let bed: ReturnType<typeof startTestbed> | undefined;
afterEach(() => bed?.close());

const start = (...args: Parameters<typeof startTestbed>) => {
  bed = startTestbed(...args);
  return bed;
};
const denyMatch: RuleMatch = { direction: 'ingress', action: 'deny', protocol: 'all', ports: [], placement: 'wafv2' };
const v4 = (n: number) => Array.from({ length: n }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`);
const aclOf = (b: ReturnType<typeof startTestbed>) => [...b.sim.state.webAcls.REGIONAL.values()].find((a) => a.Name === WAF_SIM_WEB_ACL);

async function converge(b: ReturnType<typeof startTestbed>, cidrs: string[]) {
  const current = await b.connector.list(TARGET);
  const planned = plan(current, [{ match: denyMatch, cidrs }], (p) => b.connector.limits(TARGET, p));
  expect(planned.overflow).toEqual([]);
  const results = await b.connector.apply(TARGET, planned.changes);
  for (const r of results) expect(r.error, r.error?.message).toBeUndefined();
  return { planned, results };
}

describe('blocks at volume', () => {
  it('spreads 25,000 IPv4 and some IPv6 blocks over IP sets of 10,000, families apart, with one web ACL write', async () => {
    const b = start();
    const v6 = ['2001:db8::1/128', '2001:db8::2/128'];
    // Merging would fold neighbours into wider prefixes; the addresses here are spread so each stays a /32.
    const addresses = v4(25_000).filter((_, i) => i % 2 === 0).concat(v4(50_000).filter((_, i) => i % 2 === 1 && i >= 25_000));
    const writesBefore = b.sim.controls.writeCalls();
    await converge(b, [...addresses, ...v6]);
    const sets = [...b.sim.state.ipSets.REGIONAL.values()];
    expect(sets.map((s) => [s.IPAddressVersion, s.Addresses.length]).sort()).toEqual([
      ['IPV4', 10_000],
      ['IPV4', 10_000],
      ['IPV4', 5_000],
      ['IPV6', 2],
    ].sort());
    // Four CreateIPSet calls carrying the addresses, and one UpdateWebACL referencing all four sets.
    expect(b.sim.actions.filter((a) => /^(Create|Update)/.test(a))).toEqual(['CreateIPSet', 'CreateIPSet', 'CreateIPSet', 'CreateIPSet', 'UpdateWebACL']);
    expect(b.sim.controls.writeCalls() - writesBefore).toBe(5);
    const rule = aclOf(b)?.Rules.find((r) => r.Name === blockRuleName('portcullis', TARGET));
    expect(rule?.Action).toEqual({ Block: {} });
    expect(rule?.Statement.OrStatement?.Statements.map((s) => s.IPSetReferenceStatement?.ARN).sort()).toEqual(sets.map((s) => s.ARN).sort());
    // The operator's own rules are sent back untouched.
    expect(aclOf(b)?.Rules.find((r) => r.Name === 'AWS-AWSManagedRulesCommonRuleSet')?.Statement).toEqual({
      ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' },
    });
    const listed = (await b.connector.list(TARGET)).filter((r) => r.owned);
    expect(listed.reduce((n, r) => n + r.cidrs.length, 0)).toBe(25_002);
  });

  it('spaces writes of one action a second apart on the injected clock, so the write rate is never exceeded', async () => {
    const b = start({ sim: { writeRateLimits: true } });
    await converge(b, ['203.0.113.7/32', '2001:db8::7/128']);
    expect(b.sim.controls.throttledCalls()).toBe(0);
    expect(b.clock.sleeps).toEqual([1000]);
    // Unblocking both empties both sets: two UpdateIPSet calls, a second apart.
    await converge(b, []);
    expect(b.sim.controls.throttledCalls()).toBe(0);
    expect((await b.connector.list(TARGET)).filter((r) => r.owned)).toEqual([]);
  });

  it('a throttled write (another client of the account) is retried with backoff until it passes', async () => {
    const b = start({ sim: { writeRateLimits: true } });
    b.sim.controls.throttleNext(3);
    const { results } = await converge(b, ['203.0.113.7/32']);
    const attempts = results.flatMap((r) => r.calls.flatMap((c) => c.attempts));
    expect(attempts.filter((a) => a.code === 'ThrottlingException')).toHaveLength(3);
    expect(b.sim.controls.throttledCalls()).toBe(3);
  });
});

describe('propagation', () => {
  it('a set the web ACL cannot reference yet (WAFUnavailableEntityException) is retried on the clock until it can', async () => {
    const b = start({ sim: { propagationMs: 1500 } });
    const started = b.clock.now();
    const { results } = await converge(b, ['203.0.113.7/32']);
    const attempts = results.flatMap((r) => r.calls.filter((c) => c.operation === 'UpdateWebACL').flatMap((c) => c.attempts));
    expect(attempts[0]).toMatchObject({ outcome: 'retryable', code: 'WAFUnavailableEntityException' });
    expect(attempts.at(-1)?.outcome).toBe('ok');
    expect(b.clock.now() - started).toBeGreaterThanOrEqual(1500);
    expect((await b.connector.list(TARGET)).find((r) => r.owned)?.cidrs).toEqual(['203.0.113.7/32']);
  });
});

describe('optimistic locking', () => {
  it('a stale LockToken (someone wrote between read and write) is re-read and retried, not surfaced', async () => {
    const b = start();
    await converge(b, ['203.0.113.7/32']);
    b.sim.controls.conflictNext(2);
    const { results } = await converge(b, ['203.0.113.7/32', '203.0.113.9/32']);
    const attempts = results.flatMap((r) => r.calls.filter((c) => c.operation === 'UpdateIPSet').flatMap((c) => c.attempts));
    expect(attempts.map((a) => a.outcome)).toEqual(['retryable', 'retryable', 'ok']);
    expect(attempts[0]?.code).toBe('WAFOptimisticLockException');
    expect((await b.connector.list(TARGET)).find((r) => r.owned)?.cidrs).toEqual(['203.0.113.7/32', '203.0.113.9/32']);
  });

  it('a web ACL changed concurrently is re-read, and the other writer’s change is kept', async () => {
    const b = start();
    b.sim.controls.conflictNext(1);
    await converge(b, ['203.0.113.7/32']);
    const rules = aclOf(b)?.Rules.map((r) => r.Name);
    expect(rules).toEqual(['AWS-AWSManagedRulesCommonRuleSet', blockRuleName('portcullis', TARGET)]);
  });

  it('gives up with a clear failure only when the retries run out', async () => {
    const b = start();
    await converge(b, ['203.0.113.7/32']);
    b.sim.controls.conflictNext(100);
    const current = await b.connector.list(TARGET);
    const planned = plan(current, [{ match: denyMatch, cidrs: ['203.0.113.8/32'] }], (p) => b.connector.limits(TARGET, p));
    const [result] = await b.connector.apply(TARGET, planned.changes);
    expect(result?.ok).toBe(false);
    expect(result?.error?.code).toBe('WAFOptimisticLockException');
    expect(result?.error?.message).toMatch(/LockToken stale/);
    expect(result?.calls.find((c) => c.operation === 'UpdateIPSet')?.attempts).toHaveLength(8);
  });
});

describe('ownership', () => {
  it('never writes an IP set that has the service’s name but not its marker', async () => {
    const b = start();
    const created = await b.sim.fetch(
      new Request(`${b.sim.origins[0]}/`, {
        method: 'POST',
        headers: { 'x-amz-target': 'AWSWAF_20190729.CreateIPSet', 'content-type': 'application/x-amz-json-1.1', authorization: 'x' },
        body: JSON.stringify({ Name: `portcullis-${TARGET}-v4-1`, Scope: 'REGIONAL', IPAddressVersion: 'IPV4', Addresses: ['192.0.2.1/32'], Description: 'mine' }),
      }),
    );
    expect(created.status).toBe(200);
    const writes = b.sim.controls.writeCalls();
    const [result] = await b.connector.apply(TARGET, [{ op: 'create', rule: blockRule(['203.0.113.7/32'], 1) }]);
    expect(result?.ok).toBe(false);
    expect(result?.error?.message).toMatch(/without the ownership marker/);
    expect(b.sim.controls.writeCalls()).toBe(writes);
    expect([...b.sim.state.ipSets.REGIONAL.values()][0]?.Addresses).toEqual(['192.0.2.1/32']);
  });
});

describe('write spacing across targets', () => {
  it('passes of two targets at once reserve write slots a second apart per action, and both hold', async () => {
    const b = start({ sim: { writeRateLimits: true } });
    const connector = createWafConnector(
      CONNECTOR_ID,
      awsWafv2ConfigSchema.parse({
        region: 'us-east-1',
        credentials: { source: 'simulator' },
        targets: [
          { id: 'edge', webAcl: WAF_SIM_WEB_ACL, rulePriority: 0 },
          { id: 'api', webAcl: WAF_SIM_WEB_ACL, rulePriority: 1 },
        ],
      }),
      testContext(b.clock),
    );
    const [edge, api] = await Promise.all(
      ['edge', 'api'].map((t) => connector.apply(t, [{ op: 'create', rule: blockRule([t === 'edge' ? '203.0.113.7/32' : '203.0.113.8/32']) }])),
    );
    for (const r of [...(edge ?? []), ...(api ?? [])]) expect(r.error).toBeUndefined();
    // The second target's CreateIPSet and UpdateWebACL each waited for the slot after the first's. (The
    // fake clock jumps on sleep while the other request is in flight, so a throttle can still be seen
    // here and is retried; on a real clock the reserved slots keep them apart.)
    expect(b.clock.sleeps.filter((ms) => ms === 1000).length).toBeGreaterThanOrEqual(2);
    expect(aclOf(b)?.Rules.map((r) => r.Name).sort()).toEqual(['AWS-AWSManagedRulesCommonRuleSet', 'portcullis-api-blocks', 'portcullis-edge-blocks']);
  });
});

describe('CLOUDFRONT scope', () => {
  it('blocks in global IP sets of the CloudFront web ACL, apart from the REGIONAL ones', async () => {
    const b = start({ target: { scope: 'CLOUDFRONT', webAcl: 'cdn-web-acl' } });
    expect((await b.connector.check(TARGET)).ok).toBe(true);
    await converge(b, ['203.0.113.7/32']);
    const [set] = [...b.sim.state.ipSets.CLOUDFRONT.values()];
    expect(set?.ARN).toMatch(/^arn:aws:wafv2:us-east-1:123456789012:global\/ipset\/portcullis-edge-v4-1\//);
    expect(b.sim.state.ipSets.REGIONAL.size).toBe(0);
    expect((await b.connector.list(TARGET)).filter((r) => r.owned).map((r) => r.cidrs)).toEqual([['203.0.113.7/32']]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { RuleChange } from '../../src/connectors/types.ts';
import { AwsNetworkFirewallConnector } from './connector/connector.ts';
import { blockRule, startNfw, TARGET_ID, testConfig, testContext } from './harness.ts';
import { NFW_SIM_CAPACITY, NFW_SIM_FOREIGN_RULE, NFW_SIM_RULE_GROUP, ruleGroupArn } from './simulator/seed.ts';
import { statelessRules } from './simulator/state.ts';

let env: ReturnType<typeof startNfw>;
afterEach(() => env?.stop());

const ARN = ruleGroupArn({ account: '123456789012', region: 'us-east-1' }, 'STATELESS', NFW_SIM_RULE_GROUP);
const group = () => {
  const g = env.sim.state.ruleGroups.get(ARN);
  if (!g) throw new Error('seed group missing');
  return g;
};
const create = (...rules: ReturnType<typeof blockRule>[]): RuleChange[] => rules.map((rule) => ({ op: 'create', rule }));
const ownedRules = async () => (await env.connector.list(TARGET_ID)).filter((r) => r.owned);

describe('one read-modify-write per change set', () => {
  it('applies many changes with one DescribeRuleGroup and one UpdateRuleGroup', async () => {
    env = startNfw();
    const v4 = Array.from({ length: 300 }, (_, i) => `203.0.${Math.floor(i / 200) + 113}.${i % 200}/32`);
    const results = await env.connector.apply(
      TARGET_ID,
      create(
        blockRule(v4),
        blockRule(['2001:db8::7/128'], { priority: 101 }),
        blockRule(['198.51.100.0/24'], { priority: 199, action: 'allow', protocol: 'tcp', ports: [{ from: 443, to: 443 }] }),
        blockRule(['192.0.2.0/24'], { priority: 102, direction: 'egress' }),
      ),
    );
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
    expect(env.sim.operations).toEqual(['DescribeRuleGroup', 'UpdateRuleGroup']);
    expect(env.sim.controls.writeCalls()).toBe(1);
    // The calls are reported once, with the first change.
    expect(results[0]?.calls.map((c) => c.operation)).toEqual(['DescribeRuleGroup', 'UpdateRuleGroup']);
    expect(results.slice(1).every((r) => r.calls.length === 0)).toBe(true);
  });

  it('writes the documented stateless shapes: drop by source, pass with protocol and destination port, egress by destination', async () => {
    env = startNfw();
    await env.connector.apply(
      TARGET_ID,
      create(
        blockRule(['203.0.113.7/32']),
        blockRule(['198.51.100.0/24'], { priority: 199, action: 'allow', protocol: 'tcp', ports: [{ from: 443, to: 443 }] }),
        blockRule(['2001:db8::/64'], { priority: 101, direction: 'egress', protocol: 'icmp' }),
      ),
    );
    const byPriority = new Map(statelessRules(group()).map((r) => [r.Priority, r.RuleDefinition]));
    expect(byPriority.get(100)).toEqual({ MatchAttributes: { Sources: [{ AddressDefinition: '203.0.113.7/32' }] }, Actions: ['aws:drop'] });
    expect(byPriority.get(199)).toEqual({
      MatchAttributes: { Sources: [{ AddressDefinition: '198.51.100.0/24' }], Protocols: [6], DestinationPorts: [{ FromPort: 443, ToPort: 443 }] },
      Actions: ['aws:pass'],
    });
    // ICMPv6 is protocol 58, not 1.
    expect(byPriority.get(101)).toEqual({ MatchAttributes: { Destinations: [{ AddressDefinition: '2001:db8::/64' }], Protocols: [58] }, Actions: ['aws:drop'] });
    const listed = await ownedRules();
    expect(listed.find((r) => r.priority === 101)).toMatchObject({ direction: 'egress', protocol: 'icmp', cidrs: ['2001:db8::/64'], cloudId: 'priority:101' });
  });

  it('gives an ingress and an egress rule asked at one priority two priorities (they are unique across directions)', async () => {
    env = startNfw();
    const results = await env.connector.apply(TARGET_ID, create(blockRule(['203.0.113.7/32']), blockRule(['203.0.113.7/32'], { direction: 'egress' })));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(new Set(results.map((r) => r.cloudId)).size).toBe(2);
    expect((await ownedRules()).map((r) => [r.direction, r.cloudId])).toEqual([
      ['ingress', 'priority:100'],
      ['egress', 'priority:101'],
    ]);
  });

  it('carries foreign rules, custom actions and the description over exactly as they were', async () => {
    env = startNfw();
    const source = group().body.RulesSource.StatelessRulesAndCustomActions;
    if (!source) throw new Error('seed group is not stateless');
    source.CustomActions = [{ ActionName: 'CountBlocked', ActionDefinition: { PublishMetricAction: { Dimensions: [{ Value: 'blocked' }] } } }];
    source.StatelessRules.push({
      Priority: 900,
      RuleDefinition: { MatchAttributes: { Sources: [{ AddressDefinition: '192.0.2.0/24' }], SourcePorts: [{ FromPort: 1024, ToPort: 65535 }] }, Actions: ['aws:drop', 'CountBlocked'] },
    });
    const before = structuredClone(group().body);
    expect((await env.connector.apply(TARGET_ID, create(blockRule(['203.0.113.7/32']))))[0]?.ok).toBe(true);
    const after = group().body;
    expect(after.RulesSource.StatelessRulesAndCustomActions?.CustomActions).toEqual(before.RulesSource.StatelessRulesAndCustomActions?.CustomActions);
    const foreign = (body: typeof before) => body.RulesSource.StatelessRulesAndCustomActions?.StatelessRules.filter((r) => r.Priority !== 100);
    expect(foreign(after)).toEqual(foreign(before));
    expect(foreign(after)).toContainEqual(NFW_SIM_FOREIGN_RULE);
    // The description (and anything else of the group) is kept.
    expect(group().description).toBe(`${NFW_SIM_RULE_GROUP} (seed)`);
  });
});

describe('update tokens', () => {
  it('re-describes and re-plans when another writer changed the group, keeping that writer’s rule', async () => {
    env = startNfw();
    env.sim.raceNextUpdates(2, (g) => {
      statelessRules(g).push({ Priority: 300 + statelessRules(g).length, RuleDefinition: { MatchAttributes: { Sources: [{ AddressDefinition: '192.0.2.9/32' }] }, Actions: ['aws:drop'] } });
    });
    const [result] = await env.connector.apply(TARGET_ID, create(blockRule(['203.0.113.7/32'])));
    expect(result?.error).toBeUndefined();
    expect(result?.ok).toBe(true);
    expect(env.sim.operations).toEqual(['DescribeRuleGroup', 'UpdateRuleGroup', 'DescribeRuleGroup', 'UpdateRuleGroup', 'DescribeRuleGroup', 'UpdateRuleGroup']);
    const codes = result?.calls.filter((c) => c.operation === 'UpdateRuleGroup').map((c) => c.attempts.at(-1)?.code ?? 'ok');
    expect(codes).toEqual(['InvalidTokenException', 'InvalidTokenException', 'ok']);
    // Both concurrent writers' rules hold: nothing was overwritten with a stale copy.
    const priorities = statelessRules(group()).map((r) => r.Priority);
    expect(priorities).toEqual(expect.arrayContaining([10, 100, 301, 302]));
  });

  it('gives up with a conflict when the token keeps changing past tokenRetries, leaving nothing half-done', async () => {
    env = startNfw({ config: { tokenRetries: 2 } });
    env.sim.raceNextUpdates(10);
    const before = structuredClone(statelessRules(group()));
    const [result] = await env.connector.apply(TARGET_ID, create(blockRule(['203.0.113.7/32'])));
    expect(result?.ok).toBe(false);
    expect(result?.error).toMatchObject({ kind: 'conflict', code: 'InvalidTokenException', retryable: false });
    expect(result?.error?.message).toMatch(/kept changing.*3 updates/);
    expect(statelessRules(group())).toEqual(before);
  });

  it('an update whose answer was lost is not applied twice', async () => {
    env = startNfw();
    env.sim.loseNextResponses(1);
    const [result] = await env.connector.apply(TARGET_ID, create(blockRule(['203.0.113.7/32'])));
    expect(result?.ok).toBe(true);
    // The retried write met its own success (a newer token): one describe shows the rule there already.
    expect(statelessRules(group()).filter((r) => r.Priority === 100)).toHaveLength(1);
    expect(await ownedRules()).toHaveLength(1);
  });
});

describe('capacity', () => {
  it('refuses only the changes that do not fit, naming the group, its capacity and what others use; the rest apply', async () => {
    env = startNfw({ quotas: { ruleGroupCapacity: 6 } });
    const results = await env.connector.apply(
      TARGET_ID,
      create(blockRule(['203.0.113.1/32', '203.0.113.2/32', '203.0.113.3/32']), blockRule(['2001:db8::/64', '2001:db8:1::/64', '2001:db8:2::/64'], { priority: 101 }), blockRule(['203.0.113.9/32'], { priority: 102 })),
    );
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[1]?.error).toMatchObject({ kind: 'capacity', retryable: false, code: 'RuleGroupCapacityExceeded' });
    expect(results[1]?.error?.message).toContain(`rule group ${NFW_SIM_RULE_GROUP} has 6 capacity units, 4 in use (1 by rules portcullis does not own); this change needs 3 more`);
    const cidrs = (await ownedRules()).flatMap((r) => r.cidrs);
    expect(cidrs.sort()).toEqual(['203.0.113.1/32', '203.0.113.2/32', '203.0.113.3/32', '203.0.113.9/32']);
  });

  it('counts an address once per port range, as the service does (3 addresses × 2 ranges = 6 units)', async () => {
    env = startNfw({ quotas: { ruleGroupCapacity: 6 } });
    const open = blockRule(['198.51.100.0/26', '198.51.100.64/26', '198.51.100.128/26'], {
      action: 'allow',
      protocol: 'tcp',
      ports: [
        { from: 80, to: 80 },
        { from: 443, to: 443 },
      ],
      priority: 199,
    });
    const [result] = await env.connector.apply(TARGET_ID, create(open));
    expect(result?.error?.message).toContain('has 6 capacity units, 1 in use (1 by rules portcullis does not own); this change needs 6 more');
    const [fits] = await env.connector.apply(TARGET_ID, create({ ...open, ports: [{ from: 443, to: 443 }] }));
    expect(fits?.ok).toBe(true);
  });

  it('reports the room in limits(): capacity minus what foreign rules use, as a prefix budget', async () => {
    env = startNfw();
    await env.connector.list(TARGET_ID);
    const limits = env.connector.limits(TARGET_ID, 'nfw');
    expect(limits).toMatchObject({ maxPrefixesPerTarget: NFW_SIM_CAPACITY - 1, priorityBand: { from: 100, to: 199 }, maxRulesPerDirection: 100, supportsDeny: true });
    expect(limits.container).toContain(`${NFW_SIM_RULE_GROUP} (${NFW_SIM_CAPACITY} capacity units, 1 used by rules portcullis does not own)`);
  });

  it('a capacity refusal from the service itself (a concurrent writer filled the group) is a capacity failure', async () => {
    env = startNfw({ quotas: { ruleGroupCapacity: 4 } });
    env.sim.raceNextUpdates(1, (g) => {
      statelessRules(g).push({ Priority: 400, RuleDefinition: { MatchAttributes: { Sources: [{ AddressDefinition: '192.0.2.0/30' }, { AddressDefinition: '192.0.2.8/30' }] }, Actions: ['aws:drop'] } });
    });
    const [result] = await env.connector.apply(TARGET_ID, create(blockRule(['203.0.113.1/32', '203.0.113.2/32'])));
    // Re-planned after the token conflict: 3 of 4 units are now used, the 2-address rule no longer fits.
    expect(result?.ok).toBe(false);
    expect(result?.error?.kind).toBe('capacity');
    expect(statelessRules(group()).some((r) => r.Priority === 100)).toBe(false);
  });
});

describe('ownership', () => {
  it('never writes to a rule group without the ownership tag', async () => {
    env = startNfw({ target: { ruleGroup: 'team-blocks' } });
    const results = await env.connector.apply(TARGET_ID, create(blockRule(['203.0.113.7/32'])));
    expect(results[0]).toMatchObject({ ok: false, error: { kind: 'permission', code: 'RuleGroupNotOwned' } });
    expect(results[0]?.error?.message).toMatch(/no "portcullis" tag.*never changes it/);
    expect(env.sim.controls.writeCalls()).toBe(0);
  });

  it('refuses to delete or update a rule outside the band, with no write', async () => {
    env = startNfw();
    const [foreign] = (await env.connector.list(TARGET_ID)).filter((r) => !r.owned);
    if (!foreign) throw new Error('the seed has a foreign rule');
    const results = await env.connector.apply(TARGET_ID, [
      { op: 'delete', rule: { ...foreign, owned: true } },
      { op: 'update', before: { ...foreign, owned: true }, rule: { ...foreign, owned: true, cidrs: ['10.0.0.0/16'], priority: 100 } },
    ]);
    expect(results.map((r) => r.error?.code)).toEqual(['RuleNotOwned', 'RuleNotOwned']);
    expect(env.sim.controls.writeCalls()).toBe(0);
    expect(statelessRules(group())).toContainEqual(NFW_SIM_FOREIGN_RULE);
  });
});

describe('validation', () => {
  it('refuses what a stateless rule cannot express, before any call', async () => {
    env = startNfw();
    const problems = (extra: Parameters<typeof blockRule>[1], cidrs = ['203.0.113.7/32']) => env.connector.validate(TARGET_ID, blockRule(cidrs, extra));
    expect(problems({})).toEqual([]);
    expect(problems({ sourceGroup: 'sg-0a1b2c3d4e5f60001' })[0]).toMatch(/cannot reference a security group/);
    expect(problems({}, ['203.0.113.7/32', '2001:db8::1/128'])[0]).toMatch(/not both; split it by address family/);
    expect(problems({ placement: 'nacl' })[0]).toMatch(/placement "nacl" does not exist.*"nfw"/);
    expect(problems({}, ['203.0.113.7/24'])[0]).toMatch(/invalid CIDR/);
    expect(problems({ ports: [{ from: 80, to: 80 }] })[0]).toMatch(/tcp and udp only/);
    expect(env.sim.operations).toEqual([]);
  });
});

describe('secrets', () => {
  it('never puts credentials in results or logs, even when every call fails', async () => {
    env = startNfw();
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETVALUE';
    const warnings: object[] = [];
    const config = testConfig({}, { credentials: { accessKeyId: { env: 'NFW_KEY' }, secretAccessKey: { env: 'NFW_SECRET' } } });
    const connector = new AwsNetworkFirewallConnector('nfw', config, {
      ...testContext(env.clock, warnings),
      resolveSecret: (ref) => ('env' in ref && ref.env === 'NFW_SECRET' ? secret : 'AKIAIOSFODNN7EXAMPLE'),
    });
    env.sim.controls.failNext(50);
    const results = await connector.apply(TARGET_ID, create(blockRule(['203.0.113.7/32'])));
    expect(results[0]?.ok).toBe(false);
    expect(results[0]?.error?.kind).toBe('transient');
    expect(warnings.length).toBeGreaterThan(0);
    expect(JSON.stringify([results, warnings])).not.toContain(secret);
  });
});

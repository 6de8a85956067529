import { describe, expect, it } from 'vitest';
import type { ConnectorLimits, NormalizedRule } from '../connectors/types.ts';
import { allowHttps, denyIn, testLimits } from './packing.fixtures.ts';
import { diffRules } from './diff.ts';
import { applyChangesInMemory } from './diff-apply.ts';
import { type DesiredRuleGroup, packRules } from './packing.ts';

const ips = (n: number, third = 113) => Array.from({ length: n }, (_, i) => `203.0.${third}.${i + 1}/32`);

/** Packs, applies the diff in memory, and returns the target's listing after the pass. */
function converge(current: NormalizedRule[], desired: DesiredRuleGroup[], limits: ConnectorLimits) {
  const packed = packRules(desired, limits, current);
  const changes = diffRules(current, packed.rules);
  let n = current.length;
  return { ...packed, changes, after: applyChangesInMemory(current, changes, () => `rule-${n++}`) };
}

describe('packRules: shape', () => {
  it('fills rules up to the per-rule limit and never mixes families', () => {
    const { rules, overflow } = packRules(
      [{ match: denyIn, cidrs: [...ips(4), '2001:db8::1/128', '2001:db8::2/128'] }],
      testLimits(),
      [],
    );
    expect(overflow).toEqual([]);
    expect(rules.map((r) => r.cidrs)).toEqual([
      ['203.0.113.1/32', '203.0.113.2/32', '203.0.113.3/32'],
      ['203.0.113.4/32'],
      ['2001:db8::1/128', '2001:db8::2/128'],
    ]);
    expect(rules.every((r) => r.owned && r.action === 'deny' && r.placement === 'nsg')).toBe(true);
  });

  it('lets families share a rule where the cloud allows it', () => {
    const { rules } = packRules(
      [{ match: denyIn, cidrs: ['203.0.113.1/32', '2001:db8::1/128'] }],
      testLimits({ mixesAddressFamilies: true }),
      [],
    );
    expect(rules.map((r) => r.cidrs)).toEqual([['203.0.113.1/32', '2001:db8::1/128']]);
  });

  it('gives denies the lowest free priorities and allows the highest, skipping every rule in place', () => {
    const foreign: NormalizedRule = { ...denyIn, action: 'allow', cidrs: ['10.0.0.0/8'], priority: 100, owned: false, cloudId: 'console-rule' };
    const egressOwned: NormalizedRule = { ...denyIn, direction: 'egress', cidrs: ['198.51.100.1/32'], priority: 101, owned: true, cloudId: 'x' };
    const { rules } = packRules(
      [
        { match: denyIn, cidrs: ips(4) },
        { match: allowHttps, cidrs: ['198.51.100.0/24'] },
      ],
      testLimits(),
      [foreign, egressOwned],
    );
    // 101 is used only in egress, so ingress may take it.
    expect(rules.map((r) => [r.action, r.priority])).toEqual([
      ['deny', 101],
      ['deny', 102],
      ['allow', 199],
    ]);
  });

  it('gives unordered placements (AWS security groups) priority 0', () => {
    const { rules } = packRules([{ match: { ...allowHttps, placement: 'sg' }, cidrs: ips(2) }], testLimits(), []);
    expect(rules.map((r) => r.priority)).toEqual([0]);
  });

  it('emits one prefix-less rule for a group-to-group allow', () => {
    const match = { ...allowHttps, sourceGroup: 'sg-web' };
    const { rules } = packRules([{ match, cidrs: [] }], testLimits(), []);
    expect(rules).toEqual([{ ...match, cidrs: [], priority: 199, owned: true }]);
  });

  it('takes limits per placement (AWS: NACL entries and SG rules differ)', () => {
    const sgAllow = { ...allowHttps, placement: 'sg' as const };
    const naclDeny = { ...denyIn, placement: 'nacl' as const };
    const perPlacement = (placement: string) =>
      placement === 'sg' ? testLimits({ maxPrefixesPerRule: 1, supportsDeny: false }) : testLimits({ maxRulesPerDirection: 1 });
    const { rules, overflow } = packRules(
      [
        { match: sgAllow, cidrs: ips(2) },
        { match: naclDeny, cidrs: ips(4) },
      ],
      perPlacement,
      [],
    );
    expect(rules.map((r) => [r.placement, r.cidrs.length])).toEqual([
      ['nacl', 3],
      ['sg', 1],
      ['sg', 1],
    ]);
    expect(overflow).toMatchObject([{ match: naclDeny, cidrs: ['203.0.113.4/32'], reason: 'rules-exhausted' }]);
  });

  it('copies intent ids onto the rules', () => {
    const { rules } = packRules(
      [
        { match: denyIn, cidrs: ips(1), intentIds: ['b'] },
        { match: denyIn, cidrs: ips(2), intentIds: ['a'] },
      ],
      testLimits(),
      [],
    );
    expect(rules.map((r) => [r.cidrs.length, r.intentIds])).toEqual([[2, ['a', 'b']]]);
  });
});

describe('packRules: stability', () => {
  it('re-running with the same input is a no-op', () => {
    const desired = [{ match: denyIn, cidrs: ips(7) }];
    const first = converge([], desired, testLimits());
    const second = converge(first.after, desired, testLimits());
    expect(first.changes.length).toBe(3);
    expect(second.changes).toEqual([]);
  });

  it('adds one prefix to the fullest rule with room, touching one rule', () => {
    const current: NormalizedRule[] = [
      { ...denyIn, cidrs: ips(1, 1), priority: 100, owned: true, cloudId: 'a' },
      { ...denyIn, cidrs: ips(2, 2), priority: 101, owned: true, cloudId: 'b' },
    ];
    const desired = [{ match: denyIn, cidrs: [...ips(1, 1), ...ips(2, 2), '198.51.100.9/32'] }];
    const { changes } = converge(current, desired, testLimits());
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ op: 'update', before: { cloudId: 'b' } });
    expect(changes[0]!.op === 'update' && changes[0]!.rule.cidrs).toContain('198.51.100.9/32');
  });

  it('never moves a prefix that is already in place, even when a tighter packing exists', () => {
    const current: NormalizedRule[] = [
      { ...denyIn, cidrs: ['203.0.113.1/32'], priority: 150, owned: true, cloudId: 'a' },
      { ...denyIn, cidrs: ['203.0.113.2/32'], priority: 120, owned: true, cloudId: 'b' },
    ];
    const { changes } = converge(current, [{ match: denyIn, cidrs: ['203.0.113.1/32', '203.0.113.2/32'] }], testLimits());
    expect(changes).toEqual([]);
  });

  it('removing a prefix updates one rule; removing a rule’s last prefix deletes it', () => {
    const first = converge([], [{ match: denyIn, cidrs: ips(4) }], testLimits());
    const fewer = converge(first.after, [{ match: denyIn, cidrs: ips(2) }], testLimits());
    expect(fewer.changes.map((c) => c.op)).toEqual(['delete', 'update']);
  });

  it('reuses an emptied rule of the same match instead of deleting and creating', () => {
    const current: NormalizedRule[] = [{ ...denyIn, cidrs: ['192.0.2.1/32'], priority: 100, owned: true, cloudId: 'a' }];
    const { changes } = converge(current, [{ match: denyIn, cidrs: ['192.0.2.2/32'] }], testLimits());
    expect(changes).toEqual([
      { op: 'update', before: current[0], rule: { ...current[0], cidrs: ['192.0.2.2/32'] } },
    ]);
  });

  it('moves only the excess when the per-rule limit was lowered', () => {
    const current: NormalizedRule[] = [{ ...denyIn, cidrs: ips(5), priority: 100, owned: true, cloudId: 'a' }];
    const { rules } = packRules([{ match: denyIn, cidrs: ips(5) }], testLimits(), current);
    expect(rules.map((r) => [r.cloudId, r.cidrs.length])).toEqual([
      ['a', 3],
      [undefined, 2],
    ]);
  });

  it('leaves foreign rules out and drops owned rules nobody wants', () => {
    const current: NormalizedRule[] = [
      { ...denyIn, cidrs: ['192.0.2.1/32'], priority: 100, owned: false, cloudId: 'console' },
      { ...allowHttps, cidrs: ['192.0.2.0/24'], priority: 199, owned: true, cloudId: 'old' },
    ];
    const { rules } = packRules([{ match: denyIn, cidrs: ['192.0.2.1/32'] }], testLimits(), current);
    expect(rules).toEqual([{ ...denyIn, cidrs: ['192.0.2.1/32'], priority: 101, owned: true }]);
  });
});

describe('packRules: overflow is reported, never silent', () => {
  it('rules exhausted', () => {
    const { rules, overflow } = packRules([{ match: denyIn, cidrs: ips(7) }], testLimits({ maxRulesPerDirection: 2 }), []);
    expect(rules.flatMap((r) => r.cidrs)).toEqual(ips(6));
    expect(overflow).toEqual([
      { match: denyIn, cidrs: ['203.0.113.7/32'], reason: 'rules-exhausted', detail: expect.stringMatching(/at most 2 ingress rules/) },
    ]);
  });

  it('rule counts per direction and family where the cloud counts so (AWS NACL: perFamily)', () => {
    const room = (owned: number) => ({ owned, quota: 20, notOwned: 20 - owned });
    const limits = testLimits({
      maxPrefixesPerRule: 1,
      perFamily: { ingress: { ipv4: room(3), ipv6: room(1) }, egress: { ipv4: room(3), ipv6: room(3) } },
      container: 'network ACL acl-1',
    });
    const v6 = ['2001:db8::1/128', '2001:db8::3/128'];
    const { rules, overflow } = packRules([{ match: denyIn, cidrs: [...ips(3), ...v6] }], limits, []);
    // IPv6 being full does not cost IPv4 its room: all three IPv4 prefixes are placed.
    expect(rules.flatMap((r) => r.cidrs).sort()).toEqual([...ips(3), '2001:db8::1/128'].sort());
    expect(overflow).toEqual([
      {
        match: denyIn,
        cidrs: ['2001:db8::3/128'],
        reason: 'rules-exhausted',
        detail: expect.stringMatching(/^network ACL acl-1 \(band 100-199\): the service may own at most 1 ingress IPv6 rules .*20 per direction and family, 19 of them/),
      },
    ]);
  });

  it('prefix budget per target', () => {
    const { rules, overflow } = packRules([{ match: denyIn, cidrs: ips(5) }], testLimits({ maxPrefixesPerTarget: 4 }), []);
    expect(rules.flatMap((r) => r.cidrs)).toHaveLength(4);
    expect(overflow).toMatchObject([{ cidrs: ['203.0.113.5/32'], reason: 'prefix-budget' }]);
  });

  it('band full (foreign rules hold the numbers)', () => {
    const foreign = [100, 101].map((priority): NormalizedRule => ({ ...denyIn, cidrs: [], priority, owned: false }));
    const { rules, overflow } = packRules(
      [{ match: denyIn, cidrs: ips(4) }],
      testLimits({ priorityBand: { from: 100, to: 102 } }),
      foreign,
    );
    expect(rules.map((r) => r.priority)).toEqual([102]);
    expect(overflow).toMatchObject([{ cidrs: ['203.0.113.4/32'], reason: 'band-full', detail: expect.stringContaining('100-102') }]);
  });

  it('IPv6 on an IPv4-only target, denies on an allow-only target, invalid text', () => {
    const { rules, overflow } = packRules(
      [
        { match: denyIn, cidrs: ['2001:db8::1/128', '10.0.0.5/24', '203.0.113.1/32'] },
        { match: { ...allowHttps, placement: 'sg' }, cidrs: ['2001:db8::/64'] },
      ],
      testLimits({ supportsIpv6: false, supportsDeny: false }),
      [],
    );
    expect(rules).toEqual([]);
    expect(overflow.map((o) => [o.reason, o.cidrs])).toEqual([
      ['invalid-cidr', ['10.0.0.5/24']],
      ['deny-unsupported', ['203.0.113.1/32', '2001:db8::1/128']],
      ['family-unsupported', ['2001:db8::/64']],
    ]);
  });

  it('spends a short rule budget on denies before allows', () => {
    const { rules, overflow } = packRules(
      [
        { match: allowHttps, cidrs: ['198.51.100.0/24'] },
        { match: denyIn, cidrs: ips(1) },
      ],
      testLimits({ maxRulesPerDirection: 1 }),
      [],
    );
    expect(rules.map((r) => r.action)).toEqual(['deny']);
    expect(overflow).toMatchObject([{ match: allowHttps, reason: 'rules-exhausted' }]);
  });
});

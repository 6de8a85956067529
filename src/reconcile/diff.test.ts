import { describe, expect, it } from 'vitest';
import type { NormalizedRule } from '../connectors/types.ts';
import { diffRules, isUnchanged } from './diff.ts';
import { applyChangesInMemory } from './diff-apply.ts';

const base: NormalizedRule = {
  direction: 'ingress',
  action: 'deny',
  protocol: 'all',
  ports: [],
  placement: 'nsg',
  cidrs: ['203.0.113.7/32'],
  priority: 100,
  owned: true,
};
const rule = (over: Partial<NormalizedRule>): NormalizedRule => ({ ...base, ...over });

describe('diffRules', () => {
  it('an unchanged rule produces nothing, with or without cloud ids in desired', () => {
    const current = [rule({ cloudId: 'a', description: 'portcullis: block', cidrs: ['203.0.113.7/32', '198.51.100.0/24'] })];
    expect(diffRules(current, [rule({ cloudId: 'a', cidrs: ['198.51.100.0/24', '203.0.113.7/32'] })])).toEqual([]);
    expect(diffRules(current, [rule({ cidrs: ['198.51.100.0/24', '203.0.113.7'] })])).toEqual([]);
  });

  it('a changed CIDR set is one update in place that keeps the cloud id and description', () => {
    const before = rule({ cloudId: 'a', description: 'portcullis: block' });
    const changes = diffRules([before], [rule({ cidrs: ['203.0.113.7/32', '203.0.113.8/32'] })]);
    expect(changes).toEqual([
      { op: 'update', before, rule: { ...before, cidrs: ['203.0.113.7/32', '203.0.113.8/32'] } },
    ]);
  });

  it('a priority or description change is an update too', () => {
    const before = rule({ cloudId: 'a', description: 'old' });
    expect(diffRules([before], [rule({ cloudId: 'a', priority: 101 })]).map((c) => c.op)).toEqual(['update']);
    expect(diffRules([before], [rule({ cloudId: 'a', description: 'new' })]).map((c) => c.op)).toEqual(['update']);
  });

  it('creates what is missing and deletes owned rules nobody wants, deletes first', () => {
    const stale = rule({ cloudId: 'old', action: 'allow', protocol: 'tcp', ports: [{ from: 22, to: 22 }] });
    const changes = diffRules([stale], [rule({ cloudId: 'gone-meanwhile', priority: 105 })]);
    expect(changes).toEqual([
      { op: 'delete', rule: stale },
      { op: 'create', rule: rule({ priority: 105 }) },
    ]);
  });

  it('never touches rules it does not own, even an identical one', () => {
    const foreign = rule({ cloudId: 'console', owned: false });
    expect(diffRules([foreign], [])).toEqual([]);
    expect(diffRules([foreign], [rule({})])).toEqual([{ op: 'create', rule: rule({}) }]);
    expect(diffRules([foreign], [rule({ cloudId: 'console', cidrs: ['192.0.2.1/32'] })])).toEqual([
      { op: 'create', rule: rule({ cidrs: ['192.0.2.1/32'] }) },
    ]);
  });

  it('pairs by match, then by the most prefixes in common, so updates stay minimal', () => {
    const a = rule({ cloudId: 'a', priority: 100, cidrs: ['192.0.2.1/32', '192.0.2.2/32'] });
    const b = rule({ cloudId: 'b', priority: 101, cidrs: ['192.0.2.3/32', '192.0.2.4/32'] });
    const changes = diffRules([a, b], [rule({ priority: 107, cidrs: ['192.0.2.3/32', '192.0.2.4/32', '192.0.2.5/32'] })]);
    expect(changes).toEqual([
      { op: 'delete', rule: a },
      { op: 'update', before: b, rule: { ...b, priority: 107, cidrs: ['192.0.2.3/32', '192.0.2.4/32', '192.0.2.5/32'] } },
    ]);
  });

  it('port order does not make a change', () => {
    const current = [rule({ cloudId: 'a', protocol: 'tcp', ports: [{ from: 443, to: 443 }, { from: 80, to: 80 }] })];
    expect(diffRules(current, [rule({ protocol: 'tcp', ports: [{ from: 80, to: 80 }, { from: 443, to: 443 }] })])).toEqual([]);
  });

  it('applying the diff reaches the desired state, after which the diff is empty', () => {
    const current = [
      rule({ cloudId: 'a', cidrs: ['192.0.2.1/32'] }),
      rule({ cloudId: 'b', priority: 101, cidrs: ['192.0.2.2/32'] }),
      rule({ cloudId: 'f', priority: 102, owned: false }),
    ];
    const desired = [rule({ cidrs: ['192.0.2.1/32', '192.0.2.9/32'] }), rule({ priority: 103, direction: 'egress' })];
    const after = applyChangesInMemory(current, diffRules(current, desired));
    expect(diffRules(after, desired)).toEqual([]);
    expect(after.find((r) => r.cloudId === 'f')).toEqual(current[2]);
    expect(after.filter((r) => r.owned)).toHaveLength(2);
  });
});

describe('isUnchanged', () => {
  it('ignores intent ids and compares CIDRs canonically', () => {
    expect(isUnchanged(rule({ intentIds: ['x'] }), rule({ intentIds: ['y'], cidrs: ['203.0.113.7'] }))).toBe(true);
    expect(isUnchanged(rule({}), rule({ sourceGroup: 'sg-web' }))).toBe(false);
  });
});

describe('applyChangesInMemory', () => {
  it('refuses a change to a foreign or missing rule', () => {
    const foreign = rule({ cloudId: 'f', owned: false });
    expect(() => applyChangesInMemory([foreign], [{ op: 'delete', rule: foreign }])).toThrow(/not owned/);
    expect(() => applyChangesInMemory([], [{ op: 'delete', rule: foreign }])).toThrow(/no rule/);
  });
});

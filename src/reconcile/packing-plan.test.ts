import { describe, expect, it } from 'vitest';
import { applyChangesInMemory } from './diff-apply.ts';
import { denyIn, testLimits } from './packing.fixtures.ts';
import { plan } from './packing-plan.ts';

describe('plan', () => {
  it('merges exactly, packs and diffs; a second pass is empty', () => {
    const desired = [{ match: denyIn, cidrs: ['203.0.113.0/25', '203.0.113.128/25', '198.51.100.7/32', 'bogus'] }];
    const first = plan([], desired, testLimits());
    expect(first.changes).toEqual([
      { op: 'create', rule: { ...denyIn, cidrs: ['198.51.100.7/32', '203.0.113.0/24'], priority: 100, owned: true } },
    ]);
    expect(first.overflow).toMatchObject([{ reason: 'invalid-cidr', cidrs: ['bogus'] }]);
    const after = applyChangesInMemory([], first.changes);
    expect(plan(after, desired, testLimits()).changes).toEqual([]);
  });

  it('can skip merging', () => {
    const result = plan([], [{ match: denyIn, cidrs: ['203.0.113.0/25', '203.0.113.128/25'] }], testLimits(), { merge: false });
    expect(result.rules[0]?.cidrs).toEqual(['203.0.113.0/25', '203.0.113.128/25']);
  });

  it('widens only when asked, to fit the limits, and reports it', () => {
    const cidrs = ['203.0.113.1', '203.0.113.3', '203.0.113.5', '203.0.113.7'].map((c) => `${c}/32`);
    const limits = testLimits({ maxRulesPerDirection: 1, maxPrefixesPerRule: 2 });
    expect(plan([], [{ match: denyIn, cidrs }], limits).overflow).toMatchObject([{ reason: 'rules-exhausted' }]);
    const widened = plan([], [{ match: denyIn, cidrs }], limits, { widen: { minPrefixLength: { ipv4: 28 } } });
    expect(widened.overflow).toEqual([]);
    expect(widened.rules[0]?.cidrs).toEqual(['203.0.113.0/29']);
    expect(widened.widened).toEqual([{ to: '203.0.113.0/29', from: cidrs, addedAddresses: 4n }]);
  });

  it('makes one write per pass: new prefixes that overflow the fullest rule but fit a new one go to a new rule', () => {
    const odd = (n: number) => `198.51.${Math.floor(n / 100)}.${2 * (n % 100) + 1}/32`;
    const limits = testLimits({ maxPrefixesPerRule: 10 });
    const first = plan([], [{ match: denyIn, cidrs: Array.from({ length: 8 }, (_, i) => odd(i)) }], limits);
    const current = applyChangesInMemory([], first.changes);
    // 8 held, room for 2; 5 more arrive: one create of a rule with the 5, the old rule untouched.
    const second = plan(current, [{ match: denyIn, cidrs: Array.from({ length: 13 }, (_, i) => odd(i)) }], limits);
    expect(second.changes.map((c) => c.op)).toEqual(['create']);
    expect(second.changes[0]?.rule.cidrs).toHaveLength(5);
    // 2 more fit the fullest rule with room: one update, no create.
    const afterSecond = applyChangesInMemory(current, second.changes);
    const third = plan(afterSecond, [{ match: denyIn, cidrs: Array.from({ length: 15 }, (_, i) => odd(i)) }], limits);
    expect(third.changes.map((c) => c.op)).toEqual(['update']);
    // Now 10 + 5 held; 4 more do not fit the full rule but fit the partly filled one: one update of it, no new rule.
    const afterThird = applyChangesInMemory(afterSecond, third.changes);
    const fourth = plan(afterThird, [{ match: denyIn, cidrs: Array.from({ length: 19 }, (_, i) => odd(i)) }], limits);
    expect(fourth.changes.map((c) => c.op)).toEqual(['update']);
    expect(fourth.changes[0]?.rule.cidrs).toHaveLength(9);
  });
});

import { describe, expect, it } from 'vitest';
import type { ConnectorLimits, NormalizedRule } from '../connectors/types.ts';
import { formatCidr, parseCidr } from '../net/cidr.ts';
import { randomCidr, type SeededRandom, seededRandom } from '../net/random-cidrs.ts';
import { diffRules } from './diff.ts';
import { applyChangesInMemory } from './diff-apply.ts';
import { type DesiredRuleGroup, packRules, type RuleMatch } from './packing.ts';
import { matchKey, priorityScopeKey } from './packing-match.ts';

const matches: RuleMatch[] = [
  { direction: 'ingress', action: 'deny', protocol: 'all', ports: [], placement: 'nsg' },
  { direction: 'egress', action: 'deny', protocol: 'all', ports: [], placement: 'nsg' },
  { direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 443, to: 443 }], placement: 'nsg' },
];

function randomLimits(random: SeededRandom): ConnectorLimits {
  return {
    supportsDeny: true,
    supportsIpv6: random.next() < 0.8,
    maxRulesPerDirection: random.int(1, 6),
    maxPrefixesPerRule: random.int(1, 5),
    maxPrefixesPerTarget: random.next() < 0.5 ? Number.POSITIVE_INFINITY : random.int(3, 30),
    priorityBand: { from: 100, to: 100 + random.int(0, 8) },
    mixesAddressFamilies: random.next() < 0.3,
  };
}

function randomPrefix(random: SeededRandom): string {
  return random.next() < 0.7
    ? formatCidr(randomCidr(random, 'ipv4', { network: 0xcb007100n, prefix: 26 }, 32, 32))
    : formatCidr(randomCidr(random, 'ipv6', { network: 0x20010db8n << 96n, prefix: 124 }, 128, 128));
}

/** A few foreign rules sitting in the band, as a person in the console would leave them. */
function foreignRules(random: SeededRandom): NormalizedRule[] {
  return Array.from({ length: random.int(0, 3) }, (_, i) => ({
    ...random.pick(matches),
    cidrs: ['192.0.2.0/24'],
    priority: 100 + random.int(0, 8),
    owned: false,
    cloudId: `foreign-${i}`,
  }));
}

function checkInvariants(limits: ConnectorLimits, desired: Map<string, Set<string>>, current: NormalizedRule[]) {
  const owned = current.filter((r) => r.owned);
  const perScope = new Map<string, number>();
  for (const rule of owned) {
    expect(rule.cidrs.length).toBeGreaterThan(0);
    expect(rule.cidrs.length).toBeLessThanOrEqual(limits.maxPrefixesPerRule);
    if (!limits.mixesAddressFamilies) expect(new Set(rule.cidrs.map((c) => parseCidr(c).family)).size).toBe(1);
    expect(rule.priority).toBeGreaterThanOrEqual(limits.priorityBand.from);
    expect(rule.priority).toBeLessThanOrEqual(limits.priorityBand.to);
    perScope.set(priorityScopeKey(rule), (perScope.get(priorityScopeKey(rule)) ?? 0) + 1);
    for (const c of rule.cidrs) expect(desired.get(matchKey(rule))?.has(c)).toBe(true);
  }
  for (const count of perScope.values()) expect(count).toBeLessThanOrEqual(limits.maxRulesPerDirection);
  expect(owned.flatMap((r) => r.cidrs).length).toBeLessThanOrEqual(limits.maxPrefixesPerTarget);
  // No two rules (owned or foreign) share a priority in one placement and direction.
  const seen = new Set<string>();
  for (const rule of current) {
    const key = `${priorityScopeKey(rule)}#${rule.priority}`;
    expect(seen.has(key)).toBe(false);
    seen.add(key);
  }
}

describe('packRules + diffRules over evolving desired states (seeded)', () => {
  for (const seed of [11, 12, 13, 14, 15, 16, 17, 18]) {
    it(`seed ${seed}: within limits, nothing dropped silently, converged passes are no-ops, one add touches one rule`, () => {
      const random = seededRandom(seed);
      const limits = randomLimits(random);
      let current: NormalizedRule[] = foreignRules(random);
      // Foreign rules may collide with each other; only ours are held to uniqueness.
      current = current.filter((r, i) => current.findIndex((o) => priorityScopeKey(o) === priorityScopeKey(r) && o.priority === r.priority) === i);
      const desired = new Map<string, Set<string>>(matches.map((m) => [matchKey(m), new Set<string>()]));
      let nextId = 0;
      for (let step = 0; step < 40; step++) {
        const match = random.pick(matches);
        const set = desired.get(matchKey(match))!;
        const adding = random.next() < 0.7 || set.size === 0;
        if (adding) set.add(randomPrefix(random));
        else set.delete(random.pick([...set]));
        const groups: DesiredRuleGroup[] = matches.map((m) => ({ match: m, cidrs: [...desired.get(matchKey(m))!] }));

        const packed = packRules(groups, limits, current);
        const changes = diffRules(current, packed.rules);
        const next = applyChangesInMemory(current, changes, () => `owned-${nextId++}`);

        // Every desired prefix is placed exactly once or reported in overflow.
        for (const m of matches) {
          const placed = next.filter((r) => r.owned && matchKey(r) === matchKey(m)).flatMap((r) => r.cidrs);
          const refused = packed.overflow.filter((o) => matchKey(o.match) === matchKey(m)).flatMap((o) => o.cidrs);
          expect([...placed, ...refused].sort()).toEqual([...desired.get(matchKey(m))!].sort());
        }
        checkInvariants(limits, desired, next);
        // Foreign rules are untouched.
        expect(next.filter((r) => !r.owned)).toEqual(current.filter((r) => !r.owned));
        // A converged target needs no changes.
        expect(diffRules(next, packRules(groups, limits, next).rules)).toEqual([]);
        // Adding one prefix with nothing refused before or after touches at most one rule.
        const hadOverflow = packRules(groups, limits, next).overflow.length > 0;
        if (adding && !hadOverflow) expect(changes.length).toBeLessThanOrEqual(1);
        current = next;
      }
    });
  }
});

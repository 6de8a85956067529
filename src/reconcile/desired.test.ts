import { describe, expect, it } from 'vitest';
import type { NormalizedRule } from '../connectors/types.ts';
import type { Intent } from '../runs/types.ts';
import { PLACEMENTS, RuleIndex, ruleServes } from './desired.ts';

/** A small seeded generator, so a failure reproduces. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('RuleIndex', () => {
  it('answers exactly as ruleServes, for random rules and intents (exact, wider, other match, IPv6)', () => {
    const r = rng(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
    const placements = PLACEMENTS['azure-nsg']!;
    const cidr = (hostOnly = false) => {
      if (r() < 0.2) {
        const prefix = hostOnly ? 128 : pick([48, 128]);
        return prefix === 48 ? `2001:db8:${Math.floor(r() * 4)}::/48` : `2001:db8:${Math.floor(r() * 4)}::${Math.floor(r() * 3)}/128`;
      }
      const prefix = hostOnly ? 32 : pick([24, 26, 32]);
      const third = Math.floor(r() * 4);
      if (prefix === 24) return `203.0.${third}.0/24`;
      if (prefix === 26) return `203.0.${third}.${Math.floor(r() * 4) * 64}/26`;
      return `203.0.${third}.${Math.floor(r() * 4) * 64 + Math.floor(r() * 3)}/32`;
    };
    for (let round = 0; round < 50; round++) {
      const rules: NormalizedRule[] = Array.from({ length: 5 }, () => ({
        direction: pick(['ingress', 'egress'] as const),
        action: pick(['deny', 'allow'] as const),
        protocol: pick(['all', 'tcp'] as const),
        ports: r() < 0.5 ? [] : [{ from: 443, to: 443 }],
        cidrs: Array.from({ length: 3 }, cidr),
        priority: 100,
        placement: 'nsg',
        owned: true,
      }));
      const index = new RuleIndex(rules, placements);
      for (let n = 0; n < 40; n++) {
        const kind = pick(['deny', 'allow'] as const);
        const intent = {
          id: `i${n}`,
          kind,
          spec: { direction: pick(['ingress', 'egress'] as const), protocol: pick(['all', 'tcp'] as const), ports: r() < 0.5 ? [] : [{ from: 443, to: 443 }], cidr: cidr(r() < 0.5) },
        } as Intent;
        expect(index.serves(intent), JSON.stringify(intent.spec)).toBe(rules.some((rule) => ruleServes(rule, intent, placements)));
      }
    }
  });
});

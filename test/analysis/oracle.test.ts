/**
 * Cross-checks the trie-based anomaly pass against brute force on small random rule sets: every point
 * of a tiny universe (a /28 of addresses × 16 ports × 2 protocols) is evaluated rule by rule.
 * - complete: every rule that earlier rules cover point by point is reported (shadowed, redundant, duplicate);
 * - exact: shadowed iff some of its points are first-matched by the opposite action;
 * - safe: removing every rule reported as duplicate, redundant or shadowed changes no decision.
 */
import { describe, expect, it } from 'vitest';
import { analyzeRules } from '../../src/analysis/index.ts';
import type { NormalizedRule } from '../../src/connectors/types.ts';
import { formatIpv4 } from '../../src/net/ip.ts';
import { seededRandom } from '../../src/net/random-cidrs.ts';

const BASE = 0x0a000000; // 10.0.0.0/28
const PORTS = 16;

function randomRules(seed: number, n: number, placement: NormalizedRule['placement']): NormalizedRule[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const prefix = random.int(28, 32);
    const host = random.int(0, 15) & ~((1 << (32 - prefix)) - 1);
    const from = random.int(0, PORTS - 1);
    const to = random.int(from, Math.min(PORTS - 1, from + random.int(0, 8)));
    return {
      direction: 'ingress',
      action: placement === 'sg' || random.next() < 0.6 ? 'allow' : 'deny',
      protocol: random.pick(['tcp', 'tcp', 'udp', 'all'] as const),
      ports: [{ from, to }],
      cidrs: [`${formatIpv4(BigInt(BASE + host))}/${prefix}`],
      priority: placement === 'sg' ? 0 : (i + 1) * 10,
      placement,
      owned: false,
      cloudId: `r${i}`,
    };
  });
}

function matches(r: NormalizedRule, addr: number, port: number, protocol: 'tcp' | 'udp'): boolean {
  if (r.protocol !== 'all' && r.protocol !== protocol) return false;
  const [base, prefix] = (r.cidrs[0] as string).split('/') as [string, string];
  const net = base.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(prefix));
  if (BASE + addr < net || BASE + addr >= net + size) return false;
  return r.protocol === 'all' || r.ports.some((p) => p.from <= port && port <= p.to);
}

function* points() {
  for (let addr = 0; addr < 16; addr++) for (let port = 0; port < PORTS; port++) for (const protocol of ['tcp', 'udp'] as const) yield { addr, port, protocol };
}

/** First match in priority order; unordered (sg) means "allowed if any rule matches". */
function decide(rules: NormalizedRule[], p: { addr: number; port: number; protocol: 'tcp' | 'udp' }): string {
  return rules.find((r) => matches(r, p.addr, p.port, p.protocol))?.action ?? 'default';
}

describe.each(['firewall', 'sg'] as const)('%s: trie analysis agrees with brute force', (placement) => {
  it.each(Array.from({ length: 100 }, (_, i) => i + 1))('seed %i', (seed) => {
    const rules = randomRules(seed, 16, placement);
    const report = analyzeRules(rules);
    const flagged = new Set(
      report.findings.filter((f) => ['duplicate', 'redundant', 'shadowed'].includes(f.kind)).map((f) => f.rules[0]?.index as number),
    );
    const kept = rules.filter((_, i) => !flagged.has(i));
    for (const p of points()) expect(decide(kept, p), `decision at ${JSON.stringify(p)}`).toBe(decide(rules, p));

    if (placement !== 'firewall') return;
    rules.forEach((r, j) => {
      const mine = [...points()].filter((p) => matches(r, p.addr, p.port, p.protocol));
      // Only tcp/udp are sampled, so a protocol "all" rule is never provably covered here; skip those.
      if (r.protocol === 'all') return;
      const earlier = rules.slice(0, j);
      const covered = mine.length > 0 && mine.every((p) => earlier.some((e) => matches(e, p.addr, p.port, p.protocol)));
      if (!covered) return;
      const opposite = mine.some((p) => decide(earlier, p) !== r.action);
      const finding = report.findings.find((f) => f.rules[0]?.index === j && ['duplicate', 'redundant', 'shadowed'].includes(f.kind));
      expect(finding?.kind, `rule ${j} is covered by earlier rules`).toBeDefined();
      if (finding?.kind !== 'duplicate') expect(finding?.kind).toBe(opposite ? 'shadowed' : 'redundant');
    });
  });
});

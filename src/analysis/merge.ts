import type { NormalizedRule } from '../connectors/types.ts';
import { type Cidr, formatCidr, parseCidr, siblingOf, parentOf } from '../net/cidr.ts';
import { evaluationOrder, isOrdered } from './order.ts';
import { refOf } from './refs.ts';
import type { Finding } from './types.ts';

interface Entry {
  cidr: Cidr;
  sources: string[];
  rules: Set<number>;
}

/**
 * Sibling CIDRs (two halves of one block) on rules that match the same everything else could be one
 * prefix: "10.0.0.0/25" + "10.0.0.128/25" → "10.0.0.0/24", repeatedly (four /26 make a /24). In ordered
 * placements only rules next to each other in evaluation order are merged, so no rule between them
 * changes meaning. One pass per prefix length over a hash of blocks: linear in the CIDR count.
 */
export function findMergeable(rules: readonly NormalizedRule[], group: readonly number[]): Finding[] {
  const first = rules[group[0] as number];
  if (!first) return [];
  const order = isOrdered(first.placement) ? evaluationOrder(rules, group) : group;
  const buckets = new Map<string, number[]>();
  let segment = 0;
  let previous = '';
  for (const i of order) {
    const r = rules[i] as NormalizedRule;
    if (r.sourceGroup || !r.cidrs.length) continue;
    const match = [r.action, r.protocol, r.ports.map((p) => `${p.from}-${p.to}`).sort().join(',')].join('|');
    if (isOrdered(r.placement) && match !== previous) segment++;
    previous = match;
    const key = `${match}|${isOrdered(r.placement) ? segment : 0}`;
    buckets.set(key, [...(buckets.get(key) ?? []), i]);
  }
  const findings: Finding[] = [];
  for (const members of buckets.values()) findings.push(...mergeBucket(rules, members));
  return findings;
}

function mergeBucket(rules: readonly NormalizedRule[], members: number[]): Finding[] {
  const blocks = new Map<string, Entry>();
  const key = (c: Cidr) => `${c.family}|${c.prefix}|${c.network}`;
  for (const i of members) {
    for (const text of (rules[i] as NormalizedRule).cidrs) {
      const cidr = parseCidr(text, { hostBits: 'mask' });
      const existing = blocks.get(key(cidr));
      if (existing) existing.rules.add(i);
      else blocks.set(key(cidr), { cidr, sources: [formatCidr(cidr)], rules: new Set([i]) });
    }
  }
  if (blocks.size < 2) return [];
  const levels: string[][] = Array.from({ length: 129 }, () => []);
  for (const [k, e] of blocks) levels[e.cidr.prefix]?.push(k);
  // Longest prefixes first, so merged parents can merge again at the next length.
  for (let prefix = 128; prefix > 0; prefix--) {
    for (const k of levels[prefix] ?? []) {
      const e = blocks.get(k);
      if (!e) continue;
      const sibling = siblingOf(e.cidr) as Cidr;
      const other = blocks.get(key(sibling));
      if (!other) continue;
      const parent = parentOf(e.cidr) as Cidr;
      blocks.delete(k);
      blocks.delete(key(sibling));
      const merged: Entry = { cidr: parent, sources: [...e.sources, ...other.sources], rules: new Set([...e.rules, ...other.rules]) };
      const already = blocks.get(key(parent));
      if (already) {
        // The parent itself is listed: the halves are covered by it (redundancy, reported elsewhere).
        for (const r of merged.rules) already.rules.add(r);
        continue;
      }
      blocks.set(key(parent), merged);
      levels[prefix - 1]?.push(key(parent));
    }
  }
  const findings: Finding[] = [];
  for (const e of blocks.values()) {
    if (e.sources.length < 2) continue;
    const refs = [...e.rules].sort((a, b) => a - b);
    const into = formatCidr(e.cidr);
    findings.push({
      kind: 'mergeable',
      severity: 'info',
      rules: refs.map((i) => refOf(rules, i)),
      related: [],
      message: `${e.sources.length} adjacent blocks ${e.sources.sort().join(', ')} on ${refs.length} rule(s) with the same match can be one block ${into}`,
      fix: { action: 'merge', detail: `replace them with one rule (or one prefix) ${into}; fewer rules and prefixes against the quota` },
    });
  }
  return findings;
}

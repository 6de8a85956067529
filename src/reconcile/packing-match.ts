import type { ConnectorLimits, NormalizedRule, PortRange } from '../connectors/types.ts';
import { compareCidrs, formatCidr, tryParseCidr } from '../net/cidr.ts';

/**
 * Everything about a rule except its remote prefixes and its place in the priority order: rules with
 * the same match can share one cloud rule, so packing groups prefixes by it.
 */
export type RuleMatch = Pick<NormalizedRule, 'direction' | 'action' | 'protocol' | 'ports' | 'placement'> & {
  sourceGroup?: string;
};

/** Ports in one order ("443, 80-81" and "80-81, 443" are the same match). */
export function normalizePorts(ports: readonly PortRange[]): PortRange[] {
  return [...ports].map((p) => ({ from: p.from, to: p.to })).sort((a, b) => a.from - b.from || a.to - b.to);
}

export function matchOf(rule: RuleMatch): RuleMatch {
  const match: RuleMatch = {
    direction: rule.direction,
    action: rule.action,
    protocol: rule.protocol,
    ports: normalizePorts(rule.ports),
    placement: rule.placement,
  };
  if (rule.sourceGroup !== undefined) match.sourceGroup = rule.sourceGroup;
  return match;
}

/** A stable string identity for a match, usable as a Map key. */
export function matchKey(rule: RuleMatch): string {
  const ports = normalizePorts(rule.ports).map((p) => `${p.from}-${p.to}`);
  return JSON.stringify([rule.placement, rule.direction, rule.action, rule.protocol, ports, rule.sourceGroup ?? null]);
}

/** Where priorities must be unique: clouds count rule numbers per placement and direction. */
export function priorityScopeKey(rule: Pick<NormalizedRule, 'placement' | 'direction'>): string {
  return `${rule.placement}|${rule.direction}`;
}

/**
 * Canonical, sorted, de-duplicated CIDR strings. Cloud values are read tolerantly (host bits masked);
 * a value that does not parse at all is kept verbatim so it still compares unequal to anything valid.
 */
export function canonicalCidrList(cidrs: readonly string[]): string[] {
  const parsed = [];
  const unparsable = new Set<string>();
  for (const text of cidrs) {
    const result = tryParseCidr(text, { hostBits: 'mask' });
    if (result.ok) parsed.push(result.cidr);
    else unparsable.add(text);
  }
  const canonical = [...new Set(parsed.sort(compareCidrs).map(formatCidr))];
  return [...canonical, ...[...unparsable].sort()];
}

export function sameCidrSet(a: readonly string[], b: readonly string[]): boolean {
  const x = canonicalCidrList(a);
  const y = canonicalCidrList(b);
  return x.length === y.length && x.every((value, i) => value === y[i]);
}

export type Placement = NormalizedRule['placement'];

/** Limits for the whole target, or per placement (`Connector.limits(targetId, placement)`). */
export type LimitsSource = ConnectorLimits | ((placement: Placement) => ConnectorLimits);

export function limitsResolver(source: LimitsSource): (placement: Placement) => ConnectorLimits {
  if (typeof source !== 'function') return () => source;
  const cache = new Map<Placement, ConnectorLimits>();
  return (placement) => {
    let limits = cache.get(placement);
    if (!limits) {
      limits = source(placement);
      cache.set(placement, limits);
    }
    return limits;
  };
}

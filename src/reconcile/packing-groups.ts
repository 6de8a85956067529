import type { ConnectorLimits } from '../connectors/types.ts';
import { type Cidr, compareCidrs, formatCidr, tryParseCidr } from '../net/cidr.ts';
import { matchKey, matchOf, type Placement, type RuleMatch } from './packing-match.ts';

/** What the desired state asks of one target for one match: these prefixes, in as few rules as fit. */
export interface DesiredRuleGroup {
  match: RuleMatch;
  /** Canonical CIDRs. Empty with a `sourceGroup` means one rule from that group and no prefixes. */
  cidrs: string[];
  /** Intents served, copied onto the rules produced for this group. */
  intentIds?: string[];
}

export type OverflowReason =
  | 'rules-exhausted'
  | 'prefix-budget'
  | 'band-full'
  | 'family-unsupported'
  | 'deny-unsupported'
  | 'invalid-cidr';

/** Prefixes that could not be placed, and why. Packing never drops a prefix silently. */
export interface PackOverflow {
  match: RuleMatch;
  cidrs: string[];
  reason: OverflowReason;
  detail: string;
}

/** A desired group after normalisation: one per match, parsed prefixes sorted and de-duplicated. */
export interface PackGroup {
  key: string;
  match: RuleMatch;
  cidrs: Cidr[];
  intentIds?: string[];
  /** A group-to-group rule (sourceGroup and no prefixes): one rule without prefixes. */
  prefixless: boolean;
}

/**
 * Merges groups with the same match, parses and de-duplicates their prefixes, and moves to `overflow`
 * what the target cannot hold at all (invalid text, IPv6 on an IPv4-only target, denies where the
 * target has none). Denies come first so a short budget is spent on blocks.
 */
export function normalizeGroups(
  desired: readonly DesiredRuleGroup[],
  limitsFor: (placement: Placement) => ConnectorLimits,
  overflow: PackOverflow[],
): PackGroup[] {
  const byKey = new Map<string, PackGroup & { asked: number; intents?: Set<string> }>();
  for (const group of desired) {
    const key = matchKey(group.match);
    const entry = byKey.get(key) ?? { key, match: matchOf(group.match), cidrs: [], prefixless: false, asked: 0 };
    byKey.set(key, entry);
    entry.asked += group.cidrs.length;
    if (group.intentIds) entry.intents = new Set([...(entry.intents ?? []), ...group.intentIds]);
    const invalid: string[] = [];
    for (const text of group.cidrs) {
      const result = tryParseCidr(text);
      if (result.ok) entry.cidrs.push(result.cidr);
      else invalid.push(text);
    }
    refuse(overflow, entry.match, invalid, 'invalid-cidr', `not valid CIDRs: ${invalid.map((c) => JSON.stringify(c)).join(', ')}`);
  }
  const groups: PackGroup[] = [];
  for (const entry of byKey.values()) {
    const unique = new Map(entry.cidrs.map((c) => [formatCidr(c), c]));
    let cidrs = [...unique.values()].sort(compareCidrs);
    const limits = limitsFor(entry.match.placement);
    if (entry.match.action === 'deny' && !limits.supportsDeny) {
      refuse(overflow, entry.match, cidrs, 'deny-unsupported', 'this target cannot hold deny rules');
      cidrs = [];
    }
    if (!limits.supportsIpv6) {
      const v6 = cidrs.filter((c) => c.family === 'ipv6');
      refuse(overflow, entry.match, v6, 'family-unsupported', 'this target does not support IPv6');
      cidrs = cidrs.filter((c) => c.family === 'ipv4');
    }
    const prefixless = entry.asked === 0 && entry.match.sourceGroup !== undefined;
    // A group whose every prefix was refused must not become a prefix-less (match-anything) rule.
    if (cidrs.length === 0 && !prefixless) continue;
    const group: PackGroup = { key: entry.key, match: entry.match, cidrs, prefixless };
    if (entry.intents) group.intentIds = [...entry.intents].sort();
    groups.push(group);
  }
  return groups.sort((a, b) =>
    a.match.action === b.match.action ? a.key.localeCompare(b.key) : a.match.action === 'deny' ? -1 : 1,
  );
}

export function refuse(
  overflow: PackOverflow[],
  match: RuleMatch,
  cidrs: readonly (Cidr | string)[],
  reason: OverflowReason,
  detail: string,
): void {
  if (cidrs.length === 0) return;
  overflow.push({ match, cidrs: cidrs.map((c) => (typeof c === 'string' ? c : formatCidr(c))), reason, detail });
}

import type { ConnectorLimits, NormalizedRule, RuleChange } from '../connectors/types.ts';
import { tryParseCidr } from '../net/cidr.ts';
import { diffRules } from './diff.ts';
import type { DesiredRuleGroup, PackOverflow } from './packing-groups.ts';
import { type LimitsSource, limitsResolver, matchKey } from './packing-match.ts';
import { mergePrefixes, widenPrefixes, type Widening } from './packing-prefixes.ts';
import { packRules } from './packing.ts';

export interface PlanOptions {
  /**
   * Merge sibling prefixes exactly before packing (default true). Merging may replace prefixes already in
   * place by their parent, so adding one prefix can then touch the rules that held the merged halves.
   */
  merge?: boolean;
  /** Opt-in widening per match (a playbook's explicit permission), see widenPrefixes. */
  widen?: {
    minPrefixLength: { ipv4?: number; ipv6?: number };
    /** Widen until a group holds at most this many prefixes (default: what the rule limits can hold). */
    maxPrefixesPerGroup?: number;
  };
}

export interface Plan {
  /** What to send to Connector.apply, in order. Empty when the target already matches. */
  changes: RuleChange[];
  /** The owned rules the target will hold once the changes apply. */
  rules: NormalizedRule[];
  overflow: PackOverflow[];
  widened: Widening[];
}

/**
 * One reconcile pass for one target, as a pure function: merge each group's prefixes, pack them into
 * rules within the limits (stable against what is in place), and diff against the current listing.
 *
 * `current` must be the target's whole listing, foreign rules included: their priorities are then
 * avoided (Azure refuses two rules with one priority and direction), and they are never changed.
 * `limits` may be a function of the placement: `(p) => connector.limits(targetId, p)`.
 */
export function plan(
  current: readonly NormalizedRule[],
  desired: readonly DesiredRuleGroup[],
  limits: LimitsSource,
  options: PlanOptions = {},
): Plan {
  const limitsFor = limitsResolver(limits);
  const widened: Widening[] = [];
  const groups = combine(desired).map((group) => {
    // Invalid text is passed through untouched so packRules reports it in overflow.
    const valid = group.cidrs.filter((c) => tryParseCidr(c).ok);
    const invalid = group.cidrs.filter((c) => !tryParseCidr(c).ok);
    if (options.widen) {
      const result = widenPrefixes(valid, {
        maxPrefixes: options.widen.maxPrefixesPerGroup ?? defaultWidenBound(limitsFor(group.match.placement)),
        minPrefixLength: options.widen.minPrefixLength,
      });
      widened.push(...result.widened);
      return { ...group, cidrs: [...result.cidrs, ...invalid] };
    }
    return options.merge === false ? group : { ...group, cidrs: [...mergePrefixes(valid), ...invalid] };
  });
  const packed = packRules(groups, limitsFor, current);
  return { changes: diffRules(current, packed.rules), rules: packed.rules, overflow: packed.overflow, widened };
}

function defaultWidenBound(limits: ConnectorLimits): number {
  return Math.min(limits.maxPrefixesPerRule * limits.maxRulesPerDirection, limits.maxPrefixesPerTarget);
}

// Merging must see all prefixes of a match together, and invalid text must reach packRules' overflow.
function combine(desired: readonly DesiredRuleGroup[]): DesiredRuleGroup[] {
  const byKey = new Map<string, DesiredRuleGroup>();
  for (const group of desired) {
    const key = matchKey(group.match);
    const entry = byKey.get(key);
    if (!entry) byKey.set(key, { ...group, cidrs: [...group.cidrs] });
    else {
      entry.cidrs.push(...group.cidrs);
      if (group.intentIds) entry.intentIds = [...(entry.intentIds ?? []), ...group.intentIds];
    }
  }
  return [...byKey.values()];
}

import type { NormalizedRule, RuleChange } from '../connectors/types.ts';
import { canonicalCidrList, matchKey, sameCidrSet } from './packing-match.ts';

/**
 * The fewest changes that turn the owned rules of `current` into `desired`:
 * - rules not owned are never touched (a desired rule naming a foreign cloudId is created as a new rule);
 * - an unchanged rule yields nothing, so applying a converged plan makes no cloud writes;
 * - a rule whose prefixes (or priority, or description) changed is one `update`, not delete + create.
 *
 * Desired rules are paired with current owned rules by cloudId first, then, for desired rules without one,
 * by identical content, then by match and priority, then by match with the most prefixes in common.
 * Output order: deletes, updates, creates (frees quota and priorities before they are reused), each
 * sorted by placement, direction and priority so the same input always gives the same plan.
 */
export function diffRules(current: readonly NormalizedRule[], desired: readonly NormalizedRule[]): RuleChange[] {
  const unpaired = new Map<string, NormalizedRule>();
  current.forEach((rule, i) => {
    if (rule.owned) unpaired.set(rule.cloudId ?? `#${i}`, rule);
  });
  const pairs: [NormalizedRule | undefined, NormalizedRule][] = [];
  const pair = (desiredRule: NormalizedRule, find: (rule: NormalizedRule) => boolean) => {
    for (const [id, rule] of unpaired) {
      if (!find(rule)) continue;
      unpaired.delete(id);
      pairs.push([rule, desiredRule]);
      return true;
    }
    return false;
  };

  let rest = desired.filter((d) => d.cloudId === undefined || !pair(d, (r) => r.cloudId === d.cloudId));
  rest = rest.filter((d) => !pair(d, (r) => isUnchanged(r, d)));
  rest = rest.filter((d) => !pair(d, (r) => matchKey(r) === matchKey(d) && r.priority === d.priority));
  for (const d of rest) {
    const candidates = [...unpaired.values()].filter((r) => matchKey(r) === matchKey(d));
    const best = candidates.sort((a, b) => shared(b, d) - shared(a, d))[0];
    if (best) pair(d, (r) => r === best);
    else pairs.push([undefined, d]);
  }

  const deletes: RuleChange[] = [...unpaired.values()].sort(byPosition).map((rule) => ({ op: 'delete', rule }));
  const updates: RuleChange[] = [];
  const creates: RuleChange[] = [];
  for (const [before, want] of pairs) {
    if (!before) {
      const { cloudId: _ignored, ...rule } = want;
      creates.push({ op: 'create', rule: { ...rule, owned: true } });
    } else if (!isUnchanged(before, want)) {
      updates.push({ op: 'update', before, rule: withIdentity(want, before) });
    }
  }
  updates.sort((a, b) => byPosition(a.rule, b.rule));
  creates.sort((a, b) => byPosition(a.rule, b.rule));
  return [...deletes, ...updates, ...creates];
}

/**
 * True when the cloud already holds what `desired` asks: same match, same prefix set, same priority,
 * and the same description when desired names one (connectors add their ownership marker themselves).
 * Intent ids are bookkeeping, not cloud state, and are not compared.
 */
export function isUnchanged(current: NormalizedRule, desired: NormalizedRule): boolean {
  return (
    matchKey(current) === matchKey(desired) &&
    current.priority === desired.priority &&
    sameCidrSet(current.cidrs, desired.cidrs) &&
    (desired.description === undefined || desired.description === current.description)
  );
}

// The update keeps the cloud identity (and description, unless desired sets one) of the rule it replaces.
function withIdentity(want: NormalizedRule, before: NormalizedRule): NormalizedRule {
  const rule: NormalizedRule = { ...want, owned: true };
  if (before.cloudId !== undefined) rule.cloudId = before.cloudId;
  if (want.description === undefined && before.description !== undefined) rule.description = before.description;
  return rule;
}

function shared(a: NormalizedRule, b: NormalizedRule): number {
  const mine = new Set(canonicalCidrList(a.cidrs));
  return canonicalCidrList(b.cidrs).filter((c) => mine.has(c)).length;
}

function byPosition(a: NormalizedRule, b: NormalizedRule): number {
  return (
    a.placement.localeCompare(b.placement) ||
    a.direction.localeCompare(b.direction) ||
    a.priority - b.priority ||
    (a.cloudId ?? '').localeCompare(b.cloudId ?? '') ||
    canonicalCidrList(a.cidrs).join().localeCompare(canonicalCidrList(b.cidrs).join())
  );
}

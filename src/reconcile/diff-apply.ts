import type { NormalizedRule, RuleChange } from '../connectors/types.ts';

/**
 * What a target's listing would be after `changes` applied cleanly: for tests that drive several
 * reconcile passes without a cloud (the packing and diff suites). New rules get ids from `newId`.
 * Throws when a change names a rule that is not there or not owned (a plan that would touch a foreign rule).
 */
export function applyChangesInMemory(
  current: readonly NormalizedRule[],
  changes: readonly RuleChange[],
  newId?: (rule: NormalizedRule, index: number) => string,
): NormalizedRule[] {
  let rules = current.map((r) => ({ ...r }));
  // Default ids never collide with ids already on the target (several passes in a row stay consistent).
  const taken = new Set(rules.map((r) => r.cloudId));
  let next = 0;
  const makeId =
    newId ??
    (() => {
      while (taken.has(`planned-${next}`)) next++;
      taken.add(`planned-${next}`);
      return `planned-${next}`;
    });
  const indexOfOwned = (rule: NormalizedRule) => {
    const index = rules.findIndex((r) => r.cloudId !== undefined && r.cloudId === rule.cloudId);
    if (index < 0) throw new Error(`no rule with cloudId ${String(rule.cloudId)} on the target`);
    if (!rules[index]!.owned) throw new Error(`rule ${String(rule.cloudId)} is not owned and must not be changed`);
    return index;
  };
  changes.forEach((change, i) => {
    if (change.op === 'create') rules.push({ ...change.rule, owned: true, cloudId: makeId(change.rule, i) });
    else if (change.op === 'update') {
      const index = indexOfOwned(change.before);
      rules[index] = { ...change.rule, owned: true, cloudId: rules[index]!.cloudId! };
    } else {
      const index = indexOfOwned(change.rule);
      rules = rules.filter((_, j) => j !== index);
    }
  });
  return rules;
}

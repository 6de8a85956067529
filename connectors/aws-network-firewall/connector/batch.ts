import type { StatelessRule } from '@aws-sdk/client-network-firewall';
import type { ConnectorErrorInfo, NormalizedRule, RuleChange } from '../../../src/connectors/types.ts';
import type { NfwTarget } from '../config.ts';
import { errorInfo } from './calls.ts';
import { inBand, nfwCloudId, normalizedToStatelessRule, priorityOfCloudId, ruleCapacity, sameRule } from './mapping.ts';
import type { IndexedChange } from './outcome.ts';

/** What one change did to the planned rule list: done (maybe nothing to do), or refused with a reason. */
export type BatchOutcome = { ok: true; cloudId: string; wrote: boolean } | { ok: false; error: ConnectorErrorInfo };

export interface Batch {
  rules: StatelessRule[];
  outcomes: Map<number, BatchOutcome>;
  /** Whether any change needs the UpdateRuleGroup call (false: everything asked is already there). */
  changed: boolean;
}

const priorityOf = (rule: NormalizedRule) => priorityOfCloudId(rule.cloudId) ?? rule.priority;
const ORDER: Record<RuleChange['op'], number> = { delete: 0, update: 1, create: 2 };

/**
 * Applies a change set to the rule group's current rules in memory, so the whole set is one
 * UpdateRuleGroup: deletes first (they free capacity), then updates in place, then creates. Every
 * change that would take the group over its fixed capacity, or finds no free priority in the band,
 * is refused on its own; the rest still go through. Foreign rules are carried over untouched.
 */
export function planBatch(target: NfwTarget, groupName: string, capacity: number, current: StatelessRule[], changes: IndexedChange[]): Batch {
  const byPriority = new Map(current.map((r) => [r.Priority ?? 0, r]));
  let used = current.reduce((n, r) => n + ruleCapacity(r), 0);
  const foreign = current.filter((r) => !inBand(target, r.Priority ?? 0)).reduce((n, r) => n + ruleCapacity(r), 0);
  const outcomes = new Map<number, BatchOutcome>();
  let changed = false;

  const done = (index: number, priority: number, wrote: boolean) => {
    outcomes.set(index, { ok: true, cloudId: nfwCloudId(priority), wrote });
    if (wrote) changed = true;
  };
  const refuse = (index: number, error: ConnectorErrorInfo) => outcomes.set(index, { ok: false, error });
  const tooBig = (index: number, need: number) =>
    refuse(
      index,
      errorInfo(
        'capacity',
        'RuleGroupCapacityExceeded',
        `rule group ${groupName} has ${capacity} capacity units, ${used} in use (${foreign} by rules portcullis does not own); this change needs ${need} more`,
      ),
    );
  const notOwned = (index: number, priority: number) =>
    refuse(index, errorInfo('validation', 'RuleNotOwned', `stateless rule ${priority} in ${groupName} is outside the band ${target.priorityBand.from}-${target.priorityBand.to}: portcullis only ever reads it`));

  for (const { index, change } of [...changes].sort((a, b) => ORDER[a.change.op] - ORDER[b.change.op])) {
    if (change.op === 'delete') {
      const priority = priorityOf(change.rule);
      if (!inBand(target, priority)) {
        notOwned(index, priority);
        continue;
      }
      const existing = byPriority.get(priority);
      // Already gone (out of band, or a retried delete that landed): the wanted state holds.
      if (existing) {
        byPriority.delete(priority);
        used -= ruleCapacity(existing);
      }
      done(index, priority, existing !== undefined);
    } else if (change.op === 'update') {
      const priority = priorityOf(change.before);
      if (!inBand(target, priority)) {
        notOwned(index, priority);
        continue;
      }
      const existing = byPriority.get(priority);
      if (existing && sameRule(existing, change.rule)) {
        done(index, priority, false);
        continue;
      }
      const next = normalizedToStatelessRule(change.rule, priority);
      const delta = ruleCapacity(next) - (existing ? ruleCapacity(existing) : 0);
      if (used + delta > capacity) {
        tooBig(index, delta);
        continue;
      }
      // Gone out of band since it was read: it comes back at the same priority.
      byPriority.set(priority, next);
      used += delta;
      done(index, priority, true);
    } else {
      const present = [...byPriority.values()].find((r) => inBand(target, r.Priority ?? 0) && sameRule(r, change.rule));
      if (present) {
        // A duplicate create (or a retried one that already landed) is done, not a second rule.
        done(index, present.Priority ?? 0, false);
        continue;
      }
      const priority = freePriority(target, byPriority, change.rule);
      if (priority === undefined) {
        refuse(index, errorInfo('capacity', 'PriorityBandFull', `every priority of the band ${target.priorityBand.from}-${target.priorityBand.to} in ${groupName} is taken`));
        continue;
      }
      const next = normalizedToStatelessRule(change.rule, priority);
      const need = ruleCapacity(next);
      if (used + need > capacity) {
        tooBig(index, need);
        continue;
      }
      byPriority.set(priority, next);
      used += need;
      done(index, priority, true);
    }
  }
  const rules = [...byPriority.values()].sort((a, b) => (a.Priority ?? 0) - (b.Priority ?? 0));
  return { rules, outcomes, changed };
}

/**
 * The priority a new rule gets: the one the planner chose when it is free (priorities are unique in a
 * group, across directions), else the nearest free one in the band in the same order (denies from the
 * bottom, allows from the top, so blocks are evaluated before opens).
 */
function freePriority(target: NfwTarget, taken: Map<number, StatelessRule>, rule: NormalizedRule): number | undefined {
  if (inBand(target, rule.priority) && !taken.has(rule.priority)) return rule.priority;
  const { from, to } = target.priorityBand;
  for (let i = 0; i <= to - from; i++) {
    const p = rule.action === 'deny' ? from + i : to - i;
    if (!taken.has(p)) return p;
  }
  return undefined;
}

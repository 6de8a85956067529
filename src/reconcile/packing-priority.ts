import type { ConnectorLimits, NormalizedRule, RuleAction } from '../connectors/types.ts';
import { priorityScopeKey } from './packing-match.ts';

/**
 * Placements whose rules have no order (AWS security group rules, Cloudflare list items: priority 0,
 * see NormalizedRule).
 * Priorities there are neither allocated nor checked against the band.
 */
const UNORDERED_PLACEMENTS: ReadonlySet<NormalizedRule['placement']> = new Set(['sg', 'cf-list']);

export function isOrderedPlacement(placement: NormalizedRule['placement']): boolean {
  return !UNORDERED_PLACEMENTS.has(placement);
}

/**
 * Hands out priorities inside the band, per placement and direction, that no rule on the target uses
 * (owned or not: Azure rejects two rules with the same priority and direction, whoever made them).
 *
 * Denies take the lowest free number and allows the highest, so blocks sit before opens in evaluation
 * order (every cloud here evaluates lower numbers first) until the band is nearly full.
 * Priorities of owned rules that the plan deletes are used only when nothing else is free, so a cloud
 * that checks uniqueness sees the delete (applied first, see diffRules) before the create.
 */
export class PriorityAllocator {
  private readonly taken = new Map<string, Set<number>>();
  private readonly released = new Map<string, Set<number>>();

  private readonly bandFor: (placement: NormalizedRule['placement']) => ConnectorLimits['priorityBand'];
  constructor(
    bandFor: (placement: NormalizedRule['placement']) => ConnectorLimits['priorityBand'],
    current: readonly NormalizedRule[],
    deleted: readonly NormalizedRule[],
  ) {
    this.bandFor = bandFor;
    for (const rule of current) this.scope(this.taken, rule).add(rule.priority);
    for (const rule of deleted) this.scope(this.released, rule).add(rule.priority);
  }

  /** A free priority for a new rule, or undefined when the band is full. */
  allocate(rule: Pick<NormalizedRule, 'placement' | 'direction'> & { action: RuleAction }): number | undefined {
    if (!isOrderedPlacement(rule.placement)) return 0;
    const taken = this.scope(this.taken, rule);
    const released = this.scope(this.released, rule);
    const candidates = this.walk(rule.placement, rule.action);
    const free = candidates.find((p) => !taken.has(p)) ?? candidates.find((p) => released.has(p));
    if (free === undefined) return undefined;
    taken.add(free);
    released.delete(free);
    return free;
  }

  /** Whether a priority is free for a new rule of this kind, without taking it. */
  hasFree(rule: Pick<NormalizedRule, 'placement' | 'direction'> & { action: RuleAction }): boolean {
    if (!isOrderedPlacement(rule.placement)) return true;
    const taken = this.scope(this.taken, rule);
    const released = this.scope(this.released, rule);
    return this.walk(rule.placement, rule.action).some((p) => !taken.has(p) || released.has(p));
  }

  private walk(placement: NormalizedRule['placement'], action: RuleAction): number[] {
    const { from, to } = this.bandFor(placement);
    const span = Math.max(0, to - from + 1);
    return Array.from({ length: span }, (_, i) => (action === 'deny' ? from + i : to - i));
  }

  private scope(map: Map<string, Set<number>>, rule: Pick<NormalizedRule, 'placement' | 'direction'>): Set<number> {
    const key = priorityScopeKey(rule);
    let set = map.get(key);
    if (!set) {
      set = new Set();
      map.set(key, set);
    }
    return set;
  }
}

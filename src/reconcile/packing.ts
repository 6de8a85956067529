import type { ConnectorLimits, NormalizedRule } from '../connectors/types.ts';
import { type Cidr, compareCidrs, formatCidr, tryParseCidr } from '../net/cidr.ts';
import type { IpFamily } from '../net/ip.ts';
import {
  type DesiredRuleGroup,
  normalizeGroups,
  type OverflowReason,
  type PackGroup,
  type PackOverflow,
  refuse,
} from './packing-groups.ts';
import {
  canonicalCidrList,
  type LimitsSource,
  limitsResolver,
  matchKey,
  matchOf,
  type Placement,
  priorityScopeKey,
} from './packing-match.ts';
import { PriorityAllocator } from './packing-priority.ts';

export type { DesiredRuleGroup, OverflowReason, PackOverflow } from './packing-groups.ts';
export type { LimitsSource, RuleMatch } from './packing-match.ts';

export interface PackResult {
  /** The owned rules the target should hold (existing ones keep their cloudId, priority and description). */
  rules: NormalizedRule[];
  overflow: PackOverflow[];
}

/** A rule being filled: an existing owned rule or a new one. */
interface Slot {
  rule: NormalizedRule;
  cidrs: Cidr[];
}

/**
 * Packs desired prefixes into rules within the connector's limits, stably:
 * - a prefix already in an owned rule with the same match stays in that rule;
 * - other prefixes go to the fullest existing rule with room first (CrowdSec style), then to new rules;
 * - so the same input is a no-op, and adding one prefix changes at most one rule.
 * Limits may differ per placement (AWS: NACL entries vs SG rules). Families never share a rule unless
 * `mixesAddressFamilies`. Rule counts are per placement and direction; the prefix budget per placement.
 * Denies are packed before allows, so a short budget is spent on blocks first. What does not fit is
 * returned in `overflow`, never dropped.
 * Foreign rules are only read: their priorities are never reused. Input prefixes are not merged here
 * (see mergePrefixes and plan), so a prefix already in place is never rewritten.
 */
export function packRules(
  desired: readonly DesiredRuleGroup[],
  limits: LimitsSource,
  current: readonly NormalizedRule[],
): PackResult {
  const limitsFor = limitsResolver(limits);
  const overflow: PackOverflow[] = [];
  const groups = normalizeGroups(desired, limitsFor, overflow);
  const owned = current.filter((r) => r.owned);
  const wantedKeys = new Set(groups.map((g) => g.key));
  const dropped = owned.filter((r) => !wantedKeys.has(matchKey(r)));
  const budget = new Budget(limitsFor, new PriorityAllocator((p) => limitsFor(p).priorityBand, current, dropped));

  // Phase 1, in place: every existing rule keeps the desired prefixes it already holds.
  const filled = groups.map((group) => {
    const slots = keepInPlace(group, owned, limitsFor(group.match.placement), budget);
    const inPlace = new Set(slots.flatMap((s) => s.cidrs.map(formatCidr)));
    return { group, slots, remaining: group.cidrs.filter((c) => !inPlace.has(formatCidr(c))) };
  });

  // Phase 2: the rest go to the fullest rule with room, then to new rules while limits allow.
  const rules: NormalizedRule[] = [];
  for (const { group, slots, remaining } of filled) {
    const limits = limitsFor(group.match.placement);
    const placement = group.match.placement;
    if (group.prefixless) {
      const slot = slots[0] ?? budget.newSlot(group, overflow);
      if (slot) rules.push(finish(slot, group));
      continue;
    }
    for (const family of ['ipv4', 'ipv6'] as const) {
      let pending = remaining.filter((c) => c.family === family);
      const withRoom = slots
        .filter((s) => s.cidrs.length < limits.maxPrefixesPerRule && acceptsFamily(s, family, limits))
        .sort((a, b) => b.cidrs.length - a.cidrs.length || a.rule.priority - b.rule.priority);
      // One write per pass where it can be: when the new prefixes do not all fit the fullest rule with
      // room, they go to the fullest rule that takes them all, else to one new rule (one create) instead
      // of topping up a rule and then creating one (two writes). Some rules stay partly filled; writes
      // are what the clouds rate-limit.
      const takesAll = withRoom.find((s) => s.cidrs.length > 0 && limits.maxPrefixesPerRule - s.cidrs.length >= pending.length);
      if (takesAll && pending.length <= budget.prefixesLeft(placement)) {
        pending = budget.fill(takesAll, pending);
      } else if (
        withRoom.some((s) => s.cidrs.length > 0) &&
        pending.length <= limits.maxPrefixesPerRule &&
        pending.length <= budget.prefixesLeft(placement) &&
        budget.hasRuleRoom(group.match, family)
      ) {
        const slot = budget.newSlot(group, overflow, pending);
        if (slot) {
          slots.push(slot);
          pending = budget.fill(slot, pending);
        }
      }
      for (const slot of withRoom) {
        if (pending.length === 0 || budget.prefixesLeft(placement) <= 0) break;
        // Reviving an existing rule that kept nothing uses a rule slot again.
        if (slot.cidrs.length === 0 && !budget.takeRule(group.match, family)) continue;
        pending = budget.fill(slot, pending);
      }
      while (pending.length > 0 && budget.prefixesLeft(placement) > 0) {
        const slot = budget.newSlot(group, overflow, pending);
        if (!slot) {
          pending = [];
          break;
        }
        slots.push(slot);
        pending = budget.fill(slot, pending);
      }
      if (budget.prefixesLeft(placement) <= 0) {
        const detail = `the target holds at most ${limits.maxPrefixesPerTarget} prefixes in ${placement} and they are all in use`;
        refuse(overflow, group.match, pending, 'prefix-budget', detail);
      }
    }
    for (const slot of slots) if (slot.cidrs.length > 0) rules.push(finish(slot, group));
  }
  return { rules, overflow };
}

function keepInPlace(group: PackGroup, owned: readonly NormalizedRule[], limits: ConnectorLimits, budget: Budget): Slot[] {
  const wanted = new Set(group.cidrs.map(formatCidr));
  const claimed = new Set<string>();
  const existing = owned
    .filter((r) => matchKey(r) === group.key)
    .sort((a, b) => a.priority - b.priority || (a.cloudId ?? '').localeCompare(b.cloudId ?? ''));
  return existing.map((rule, index) => {
    const slot: Slot = { rule, cidrs: [] };
    for (const text of canonicalCidrList(rule.cidrs)) {
      if (!wanted.has(text) || claimed.has(text)) continue;
      if (slot.cidrs.length >= limits.maxPrefixesPerRule || budget.prefixesLeft(rule.placement) <= 0) break;
      const cidr = parseMasked(text);
      if (!acceptsFamily(slot, cidr.family, limits)) continue;
      slot.cidrs.push(cidr);
      claimed.add(text);
      budget.spendPrefixes(rule.placement, 1);
    }
    if (slot.cidrs.length > 0 || (group.prefixless && index === 0)) budget.takeRule(rule, slot.cidrs[0]?.family);
    return slot;
  });
}

/** What is left to spend on the target: prefixes per placement, rules per placement and direction, priorities. */
class Budget {
  private readonly prefixesUsed = new Map<Placement, number>();
  private readonly rulesUsed = new Map<string, number>();
  private readonly limitsFor: (placement: Placement) => ConnectorLimits;
  private readonly priorities: PriorityAllocator;
  constructor(
    limitsFor: (placement: Placement) => ConnectorLimits,
    priorities: PriorityAllocator,
  ) {
    this.limitsFor = limitsFor;
    this.priorities = priorities;
  }

  prefixesLeft(placement: Placement): number {
    return this.limitsFor(placement).maxPrefixesPerTarget - (this.prefixesUsed.get(placement) ?? 0);
  }

  spendPrefixes(placement: Placement, count: number): void {
    this.prefixesUsed.set(placement, (this.prefixesUsed.get(placement) ?? 0) + count);
  }

  /**
   * Counts one more owned rule in its placement and direction, and in its address family where the
   * cloud counts per family (`perFamily`); false (nothing counted) when either is full.
   */
  takeRule(rule: Pick<NormalizedRule, 'placement' | 'direction'>, family?: IpFamily): boolean {
    if (this.roomProblem(rule, family)) return false;
    const key = priorityScopeKey(rule);
    this.rulesUsed.set(key, (this.rulesUsed.get(key) ?? 0) + 1);
    if (family) this.rulesUsed.set(`${key}|${family}`, (this.rulesUsed.get(`${key}|${family}`) ?? 0) + 1);
    return true;
  }

  /** Why no more rule may be owned for this match (and family), as a refusal detail; undefined when one may. */
  private roomProblem(match: Pick<NormalizedRule, 'placement' | 'direction'>, family?: IpFamily): string | undefined {
    const limits = this.limitsFor(match.placement);
    const key = priorityScopeKey(match);
    const where = describeContainer(limits, match.placement);
    if ((this.rulesUsed.get(key) ?? 0) >= limits.maxRulesPerDirection) {
      return `${where}: the service may own at most ${limits.maxRulesPerDirection} ${match.direction} rules in ${match.placement} and all are full`;
    }
    const room = family ? limits.perFamily?.[match.direction][family] : undefined;
    if (family && room && (this.rulesUsed.get(`${key}|${family}`) ?? 0) >= room.owned) {
      return (
        `${where}: the service may own at most ${room.owned} ${match.direction} ${FAMILY_NAME[family]} rules and all are full ` +
        `(${room.quota} per direction and family, ${room.notOwned} of them taken by the default rule and entries not owned by portcullis)`
      );
    }
    return undefined;
  }

  /** Whether one more rule may be owned for this match (count, family and priority band), without taking it. */
  hasRuleRoom(match: PackGroup['match'], family?: IpFamily): boolean {
    return !this.roomProblem(match, family) && this.priorities.hasFree(match);
  }

  /** A new rule for the group, or undefined (with the refused prefixes in overflow) when none may be added. */
  newSlot(group: PackGroup, overflow: PackOverflow[], pending: Cidr[] = []): Slot | undefined {
    const limits = this.limitsFor(group.match.placement);
    const family = pending[0]?.family;
    const problem = this.roomProblem(group.match, family);
    if (problem) {
      refuseAll(overflow, group, pending, 'rules-exhausted', problem);
      return undefined;
    }
    const priority = this.priorities.allocate(group.match);
    if (priority === undefined) {
      const { from, to } = limits.priorityBand;
      refuseAll(overflow, group, pending, 'band-full', `${describeContainer(limits, group.match.placement)}: no free priority left in the band ${from}-${to}`);
      return undefined;
    }
    this.takeRule(group.match, family);
    return { rule: { ...matchOf(group.match), cidrs: [], priority, owned: true }, cidrs: [] };
  }

  /** Moves as many pending prefixes into the slot as its room and the target budget allow; returns the rest. */
  fill(slot: Slot, pending: Cidr[]): Cidr[] {
    const { placement } = slot.rule;
    const room = this.limitsFor(placement).maxPrefixesPerRule - slot.cidrs.length;
    const take = Math.max(0, Math.min(room, this.prefixesLeft(placement), pending.length));
    slot.cidrs.push(...pending.slice(0, take));
    this.spendPrefixes(placement, take);
    return pending.slice(take);
  }
}

const FAMILY_NAME: Record<IpFamily, string> = { ipv4: 'IPv4', ipv6: 'IPv6' };

// Refusals name where: the container the connector names (with its band), else the placement.
function describeContainer(limits: ConnectorLimits, placement: Placement): string {
  const { from, to } = limits.priorityBand;
  return `${limits.container ?? placement} (band ${from}-${to})`;
}

// A prefix-less group is refused as a whole (no prefixes to list); others list what did not fit.
function refuseAll(overflow: PackOverflow[], group: PackGroup, pending: Cidr[], reason: OverflowReason, detail: string) {
  if (group.prefixless) overflow.push({ match: group.match, cidrs: [], reason, detail });
  else refuse(overflow, group.match, pending, reason, detail);
}

function finish(slot: Slot, group: PackGroup): NormalizedRule {
  const rule: NormalizedRule = { ...slot.rule, ...matchOf(group.match), owned: true };
  rule.cidrs = [...slot.cidrs].sort(compareCidrs).map(formatCidr);
  if (group.intentIds) rule.intentIds = [...group.intentIds];
  return rule;
}

function acceptsFamily(slot: Slot, family: IpFamily, limits: ConnectorLimits): boolean {
  return limits.mixesAddressFamilies || slot.cidrs.length === 0 || slot.cidrs[0]!.family === family;
}

function parseMasked(text: string): Cidr {
  const result = tryParseCidr(text, { hostBits: 'mask' });
  if (!result.ok) throw result.error;
  return result.cidr;
}

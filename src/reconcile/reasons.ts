import type { NormalizedRule, OperationResult, RuleChange } from '../connectors/types.ts';
import { type Cidr, prefixMask, tryParseCidr } from '../net/cidr.ts';
import type { Intent } from '../runs/types.ts';
import { intentMatchKey, matchKeyOfRule, type Placements } from './desired.ts';
import type { OverflowReason } from './packing-groups.ts';
import type { Plan } from './packing-plan.ts';

/** Why an intent is not served by a pass: the sentence its target shows, and whether it is a capacity refusal. */
export interface NotServed {
  text: string;
  capacity: boolean;
}

const CAPACITY: ReadonlySet<OverflowReason> = new Set(['rules-exhausted', 'prefix-budget', 'band-full']);

/**
 * Values keyed by (match, prefix). `find` returns the value of the narrowest stored prefix that contains
 * a CIDR (an address packed into a merged /31 finds the /31) by masking the CIDR to each prefix length
 * stored for that match, longest first: O(L) map lookups per call, L the number of distinct prefix
 * lengths stored (at most 33 or 129), instead of a scan of every stored prefix.
 */
class PrefixLookup<T> {
  private readonly byMatch = new Map<string, { values: Map<string, T>; lengths: number[] }>();

  add(match: string, cidr: Cidr, value: T): void {
    let entry = this.byMatch.get(match);
    if (!entry) {
      entry = { values: new Map(), lengths: [] };
      this.byMatch.set(match, entry);
    }
    const key = `${cidr.family}|${cidr.network}|${cidr.prefix}`;
    if (entry.values.has(key)) return;
    entry.values.set(key, value);
    if (!entry.lengths.includes(cidr.prefix)) {
      entry.lengths.push(cidr.prefix);
      entry.lengths.sort((a, b) => b - a);
    }
  }

  find(match: string, cidr: Cidr): T | undefined {
    const entry = this.byMatch.get(match);
    if (!entry) return undefined;
    for (const length of entry.lengths) {
      if (length > cidr.prefix) continue;
      const network = cidr.network & prefixMask(cidr.family, length);
      const value = entry.values.get(`${cidr.family}|${network}|${length}`);
      if (value !== undefined) return value;
    }
    return undefined;
  }
}

const parse = (text: string): Cidr | undefined => {
  const parsed = tryParseCidr(text, { hostBits: 'mask' });
  return parsed.ok ? parsed.cidr : undefined;
};

/**
 * Why intents are not served after a pass, indexed once: the overflow of the plans (capacity, family,
 * invalid prefixes), the changes validate refused before any call, and the changes the cloud failed, in
 * that order of precedence. Building is O(P log P) over the P prefixes listed there; each `why` is O(L)
 * (see PrefixLookup), so a pass that refuses n blocks costs O((n + P) log P), not O(n × P).
 */
export class ReasonIndex {
  private readonly overflow = new PrefixLookup<NotServed>();
  private readonly invalid = new PrefixLookup<NotServed>();
  private readonly failed = new PrefixLookup<NotServed>();
  /** Prefix-less refusals (source-group rules): by match and group. */
  private readonly groups = new Map<string, NotServed>();
  private readonly placements: Placements;

  constructor(plans: readonly Plan[], invalid: readonly { change: RuleChange; problems: string[] }[], failed: readonly OperationResult[], placements: Placements) {
    this.placements = placements;
    for (const p of plans) {
      for (const o of p.overflow) {
        const match = matchKeyOfRule({ ...o.match, sourceGroup: undefined });
        const value = { text: `${o.reason}: ${o.detail}`, capacity: CAPACITY.has(o.reason) };
        if (o.match.sourceGroup && !o.cidrs.length) this.setGroup(match, o.match.sourceGroup, value);
        for (const text of o.cidrs) {
          const cidr = parse(text);
          if (cidr) this.overflow.add(match, cidr, value);
        }
      }
    }
    for (const v of invalid) {
      if (v.change.op === 'delete') continue;
      this.addRule(this.invalid, v.change.rule, { text: `rejected before any cloud call: ${v.problems.join('; ')}`, capacity: false });
    }
    for (const f of failed) {
      if (f.change.op === 'delete' || !f.error) continue;
      this.addRule(this.failed, f.change.rule, { text: `${f.error.code}: ${f.error.message}`, capacity: f.error.kind === 'capacity' });
    }
  }

  private setGroup(match: string, group: string, value: NotServed): void {
    const key = `${match}|${group}`;
    if (!this.groups.has(key)) this.groups.set(key, value);
  }

  private addRule(lookup: PrefixLookup<NotServed>, rule: NormalizedRule, value: NotServed): void {
    const match = matchKeyOfRule({ ...rule, sourceGroup: undefined });
    if (rule.sourceGroup) this.setGroup(match, rule.sourceGroup, value);
    for (const text of rule.cidrs) {
      const cidr = parse(text);
      if (cidr) lookup.add(match, cidr, value);
    }
  }

  why(intent: Intent): NotServed {
    const match = intentMatchKey(intent, this.placements);
    if (intent.spec.sourceGroup) return this.groups.get(`${match}|${intent.spec.sourceGroup}`) ?? NOT_PLACED;
    const cidr = intent.spec.cidr ? parse(intent.spec.cidr) : undefined;
    if (!cidr) return NOT_PLACED;
    return this.overflow.find(match, cidr) ?? this.invalid.find(match, cidr) ?? this.failed.find(match, cidr) ?? NOT_PLACED;
  }
}

const NOT_PLACED: NotServed = { text: 'not placed on the target', capacity: false };

import type { NormalizedRule, RuleAction } from '../connectors/types.ts';
import { type Box, spaceBits } from './boxes.ts';
import { CoverageTrie } from './coverage-trie.ts';
import { evaluationOrder, isOrdered, widestFirst } from './order.ts';
import { isSubset } from './port-set.ts';
import { deleteIfOwned, describeRule, refOf } from './refs.ts';
import type { Finding } from './types.ts';

/** Tries keyed by address space and protocol, created on demand. */
class TrieSet {
  private readonly tries = new Map<string, CoverageTrie>();
  get(box: Box): CoverageTrie {
    let trie = this.tries.get(box.trie);
    if (!trie) {
      trie = new CoverageTrie(spaceBits(box.space));
      this.tries.set(box.trie, trie);
    }
    return trie;
  }
}

interface GroupInput {
  rules: readonly NormalizedRule[];
  boxes: readonly Box[][];
  /** Indices of one placement and direction of one target. */
  group: readonly number[];
  maxRelated: number;
}

const other = (a: RuleAction): RuleAction => (a === 'allow' ? 'deny' : 'allow');

/**
 * The Al-Shaer/Hamed anomalies of one rule group, generalised from pairs to unions:
 * duplicates; then, in evaluation order, each rule against the union of the rules evaluated before it
 * (shadowed: fully decided before it, partly the opposite way; redundant: fully decided the same way;
 * correlated / generalization: partly decided the opposite way); then, for ordered placements, rules
 * that no opposite rule touches and that other same-action rules cover together (redundant whatever
 * the order). Unordered security groups only get the union redundancy. Each rule gets at most one
 * finding from here, so the findings stay linear in the rule count.
 */
export function findAnomalies(input: GroupInput): Finding[] {
  const { rules, boxes, group } = input;
  const ordered = isOrdered((rules[group[0] as number] as NormalizedRule).placement);
  const order = ordered ? evaluationOrder(rules, group) : widestFirst(group, boxes);
  const findings: Finding[] = [];
  const flagged = new Set<number>();

  const firstByKey = new Map<string, number>();
  for (const i of order) {
    const key = contentKey(rules[i] as NormalizedRule);
    const first = firstByKey.get(key);
    if (first === undefined) {
      firstByKey.set(key, i);
      continue;
    }
    flagged.add(i);
    findings.push({
      kind: 'duplicate',
      severity: 'low',
      rules: [refOf(rules, i)],
      related: [refOf(rules, first)],
      message: `${describeRule(rules, i)} duplicates ${describeRule(rules, first)}`,
      fix: withChanges({ action: 'delete', detail: 'delete the duplicate; the first copy keeps the same traffic flowing' }, deleteIfOwned(rules, i)),
    });
  }

  const tries = new TrieSet();
  for (const i of order) {
    const rule = rules[i] as NormalizedRule;
    const own = boxes[i] as Box[];
    if (!own.length) continue;
    if (!flagged.has(i)) {
      const finding = classify(input, tries, i, rule, own, ordered);
      if (finding) {
        findings.push(finding);
        if (finding.kind === 'shadowed' || finding.kind === 'redundant') flagged.add(i);
      }
    }
    for (const b of own) tries.get(b).insert(b.network, b.prefix, b.ports, rule.action, i);
  }

  if (ordered) findings.push(...orderIndependentRedundancy(input, flagged));
  return findings;
}

function classify(input: GroupInput, tries: TrieSet, i: number, rule: NormalizedRule, own: Box[], ordered: boolean): Finding | undefined {
  const { rules, maxRelated } = input;
  let covered = true;
  let hitsOther = false;
  for (const b of own) {
    const q = tries.get(b).query(b.network, b.prefix, b.ports);
    covered &&= q.covered;
    hitsOther ||= rule.action === 'allow' ? q.hitsDeny : q.hitsAllow;
  }
  if (!covered && !hitsOther) return undefined;
  const related = (action?: RuleAction) => {
    const found = new Set<number>();
    for (const b of own) {
      for (const r of tries.get(b).relatedRules(b.network, b.prefix, b.ports, maxRelated - found.size, action)) found.add(r);
      if (found.size >= maxRelated) break;
    }
    return [...found];
  };
  const name = describeRule(rules, i);
  if (covered && hitsOther) {
    const by = related(other(rule.action));
    return {
      kind: 'shadowed',
      severity: 'high',
      rules: [refOf(rules, i)],
      related: by.map((r) => refOf(rules, r)),
      message: `${name} never matches: earlier rules decide all its traffic, part of it with ${other(rule.action)} (${by.map((r) => describeRule(rules, r)).join('; ')})`,
      fix: {
        action: 'reorder',
        detail: `if its ${rule.action} is still wanted, give it precedence over the rules listed; otherwise delete it`,
      },
    };
  }
  if (covered) {
    const by = related();
    const several = by.length > 1 ? ` together (${by.length} rules)` : '';
    return {
      kind: 'redundant',
      severity: 'low',
      rules: [refOf(rules, i)],
      related: by.map((r) => refOf(rules, r)),
      message: ordered
        ? `${name} never matches: rules evaluated before it already ${rule.action} all its traffic${several}`
        : `${name} adds nothing: other rules of the group allow all its traffic${several}`,
      fix: withChanges({ action: 'delete', detail: 'delete it; the covering rules keep the same behaviour' }, deleteIfOwned(rules, i)),
    };
  }
  if (!ordered) return undefined;
  const by = related(other(rule.action));
  const generalizes = by.length > 0 && by.every((r) => (input.boxes[r] as Box[]).every((inner) => own.some((outer) => boxContains(outer, inner))));
  return {
    kind: generalizes ? 'generalization' : 'correlated',
    severity: generalizes ? 'info' : 'low',
    rules: [refOf(rules, i)],
    related: by.map((r) => refOf(rules, r)),
    message: generalizes
      ? `${name} generalizes earlier ${other(rule.action)} rules inside it (an exception carved out before it; usually intended)`
      : `${name} partly overlaps earlier ${other(rule.action)} rules: the order decides part of its traffic`,
    fix: { action: 'review', detail: generalizes ? 'nothing to change if the exceptions are intended' : 'check the overlap is intended; split or narrow the rules if not' },
  };
}

/** Ordered placements: rules no opposite-action rule touches are redundant when other same-action rules cover them. */
function orderIndependentRedundancy(input: GroupInput, flagged: Set<number>): Finding[] {
  const { rules, boxes, group, maxRelated } = input;
  const byAction = { allow: new TrieSet(), deny: new TrieSet() };
  for (const i of group) {
    const rule = rules[i] as NormalizedRule;
    for (const b of boxes[i] as Box[]) byAction[rule.action].get(b).insert(b.network, b.prefix, b.ports, rule.action, i);
  }
  const findings: Finding[] = [];
  for (const action of ['allow', 'deny'] as const) {
    const members = group.filter((i) => (rules[i] as NormalizedRule).action === action && !flagged.has(i));
    const tries = new TrieSet();
    for (const i of widestFirst(members, boxes)) {
      const own = boxes[i] as Box[];
      const alone = own.every((b) => !byAction[other(action)].get(b).overlaps(b.network, b.prefix, b.ports));
      if (alone && own.length && own.every((b) => tries.get(b).query(b.network, b.prefix, b.ports).covered)) {
        const by = new Set<number>();
        for (const b of own) for (const r of tries.get(b).relatedRules(b.network, b.prefix, b.ports, maxRelated)) by.add(r);
        flagged.add(i);
        findings.push({
          kind: 'redundant',
          severity: 'low',
          rules: [refOf(rules, i)],
          related: [...by].slice(0, maxRelated).map((r) => refOf(rules, r)),
          message: `${describeRule(rules, i)} is redundant: other ${action} rules cover all its traffic and no ${other(action)} rule overlaps it, so removing it changes nothing`,
          fix: withChanges({ action: 'delete', detail: 'delete it; the covering rules keep the same behaviour' }, deleteIfOwned(rules, i)),
        });
        continue;
      }
      for (const b of own) tries.get(b).insert(b.network, b.prefix, b.ports, action, i);
    }
  }
  return findings;
}

function boxContains(outer: Box, inner: Box): boolean {
  if (outer.space !== inner.space || outer.protocol !== inner.protocol || outer.prefix > inner.prefix) return false;
  const bits = BigInt(spaceBits(outer.space) - outer.prefix);
  return inner.network >> bits === outer.network >> bits && isSubset(inner.ports, outer.ports);
}

/** Same match and action, whatever the priority, id or description. */
function contentKey(r: NormalizedRule): string {
  const ports = [...r.ports].sort((a, b) => a.from - b.from).map((p) => `${p.from}-${p.to}`);
  return [r.placement, r.direction, r.action, r.protocol, ports.join(','), [...r.cidrs].sort().join(','), r.sourceGroup ?? ''].join('|');
}

function withChanges<T extends Finding['fix']>(fix: T, owned: Pick<Finding['fix'], 'changes' | 'retractIntents'>): T {
  return { ...fix, ...owned };
}

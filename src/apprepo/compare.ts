import { analyzeRules } from '../analysis/index.ts';
import { describeRule } from '../analysis/refs.ts';
import type { ConnectorType, NormalizedRule } from '../connectors/types.ts';
import type { Config } from '../config/schema.ts';
import { canonicalCidr } from '../net/cidr.ts';
import { PLACEMENTS } from '../reconcile/desired.ts';
import type { RuleDecision } from './decide.ts';

/** How a proposed run relates to a target's current rules, from the rule-hygiene analysis. */
export interface Comparison {
  relation: 'already_allowed' | 'redundant_with' | 'shadowed_by';
  /** The current rules it relates to, as the analysis names them. */
  rules: string[];
  message: string;
}

const RELATION = { duplicate: 'already_allowed', redundant: 'redundant_with', shadowed: 'shadowed_by' } as const;

/**
 * Adds each proposed allow run to the target's current rules as it would be placed (the placement that
 * holds allows on that cloud, evaluated after every current rule) and runs the same analysis as
 * `portcullis analyze`: a proposed rule found duplicate is already allowed, redundant is covered by
 * several current rules together, shadowed is made useless by a deny evaluated first.
 */
export function compareWithCurrent(decisions: RuleDecision[], current: NormalizedRule[], cloud: ConnectorType | undefined, tiers: Config['tiers']): Map<RuleDecision, Comparison[]> {
  const placement = PLACEMENTS[cloud ?? 'aws-ec2']?.allow ?? 'sg';
  const lowest = Math.max(0, ...current.filter((r) => r.placement === placement).map((r) => r.priority));
  const proposed: { decision: RuleDecision; rule: NormalizedRule }[] = [];
  for (const d of decisions) {
    if (d.rule.action !== 'allow') continue;
    for (const run of d.runs) {
      const cidrs = run.request.inputs.from.flatMap((f) => tiers[f]?.cidrs ?? [f]).map((c) => canonicalCidr(c, { hostBits: 'mask' }));
      const port = run.request.inputs.port?.split('-').map(Number);
      proposed.push({
        decision: d,
        rule: {
          direction: 'ingress',
          action: 'allow',
          protocol: run.request.inputs.protocol,
          ports: port ? [{ from: port[0] as number, to: (port[1] ?? port[0]) as number }] : [],
          cidrs: [...new Set(cidrs)],
          priority: placement === 'sg' ? 0 : lowest + 1,
          placement,
          owned: true,
          description: `proposed: ${d.rule.at.name}`,
        },
      });
    }
  }
  const all = [...current, ...proposed.map((p) => p.rule)];
  const report = analyzeRules(all, cloud ? { cloud } : {});
  const out = new Map<RuleDecision, Comparison[]>();
  for (const f of report.findings) {
    const relation = RELATION[f.kind as keyof typeof RELATION];
    if (!relation) continue;
    const subject = f.rules[0];
    if (!subject || subject.index < current.length) continue;
    const p = proposed[subject.index - current.length];
    if (!p) continue;
    const related = f.related.filter((r) => r.index < current.length).map((r) => describeRule(all, r.index));
    if (!related.length) continue;
    const list = out.get(p.decision) ?? [];
    list.push({ relation, rules: related, message: `${relation.replace(/_/g, ' ')} ${related.join('; ')}` });
    out.set(p.decision, list);
  }
  return out;
}

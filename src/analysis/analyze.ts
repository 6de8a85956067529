import type { NormalizedRule } from '../connectors/types.ts';
import { findAnomalies } from './anomalies.ts';
import { type Box, boxesOf } from './boxes.ts';
import { findExpired } from './expiry.ts';
import { findMergeable } from './merge.ts';
import { findOverlyPermissive } from './permissive.ts';
import { findNearQuota } from './quota.ts';
import { findTrafficFindings } from './traffic.ts';
import { type AnalysisOptions, type AnalysisReport, type Finding, type FindingKind, SEVERITY_ORDER, type Severity } from './types.ts';

const KINDS: FindingKind[] = [
  'duplicate',
  'shadowed',
  'redundant',
  'correlated',
  'generalization',
  'overly_permissive',
  'near_quota',
  'expired',
  'mergeable',
  'unused',
  'narrowable',
  'block_effective',
  'block_idle',
  'deny_hits',
  'insufficient_coverage',
];

/**
 * Rule hygiene of one target: every current rule, owned or not. Pure: the rules in, findings out.
 * Rules are grouped by placement and direction (each is evaluated on its own), then each check runs
 * in O(n log n): sorting, hashing, and a CIDR trie per address space and protocol with port-interval
 * sets, never all pairs. Findings come most severe first.
 */
export function analyzeRules(rules: readonly NormalizedRule[], options: AnalysisOptions = {}): AnalysisReport {
  const maxRelated = options.maxRelated ?? 10;
  const boxes: Box[][] = rules.map(boxesOf);
  const groups = new Map<string, number[]>();
  rules.forEach((r, i) => {
    const key = `${r.placement}|${r.direction}`;
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  const findings: Finding[] = [];
  for (const group of groups.values()) {
    findings.push(...findAnomalies({ rules, boxes, group, maxRelated }));
    findings.push(...findMergeable(rules, group));
  }
  findings.push(...findOverlyPermissive(rules));
  findings.push(...findNearQuota(rules, options.limits ?? {}, options.quotaWarnAt ?? 0.8));
  if (options.expiryOf) findings.push(...findExpired(rules, options.expiryOf, options.now ?? Date.now()));
  if (options.traffic) findings.push(...findTrafficFindings(rules, options.traffic));

  // Rules the cloud keeps itself (AWS's default NACL entries) still cover traffic for the checks above,
  // but a finding about them alone is not actionable: it is left out. Quota counts them all the same.
  // Findings about no rule in particular (too little flow-log coverage) stay.
  const actionable = findings.filter((f) => f.kind === 'near_quota' || f.rules.length === 0 || !f.rules.every((r) => isBuiltIn(rules[r.index])));
  findings.splice(0, findings.length, ...actionable);
  const rank = (s: Severity) => SEVERITY_ORDER.indexOf(s);
  findings.sort((a, b) => rank(a.severity) - rank(b.severity) || (a.rules[0]?.index ?? 0) - (b.rules[0]?.index ?? 0));
  const bySeverity = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as Record<Severity, number>;
  const summary = { ...(Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<FindingKind, number>), bySeverity };
  for (const f of findings) {
    summary[f.kind]++;
    summary.bySeverity[f.severity]++;
  }
  return { rules: rules.length, findings, summary };
}

/**
 * A rule nobody can change: marked so by its connector, or (for a rules file) an AWS network ACL entry
 * numbered 32767 or above, the numbers AWS reserves for the default entries.
 */
function isBuiltIn(rule: NormalizedRule | undefined): boolean {
  return rule !== undefined && (rule.builtIn === true || (rule.placement === 'nacl' && rule.priority >= 32767));
}

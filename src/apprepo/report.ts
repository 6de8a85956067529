import type { NormalizedRule, ConnectorType } from '../connectors/types.ts';
import type { DeterminingPolicy, PolicyOutcome } from '../policy/index.ts';
import { type Comparison, compareWithCurrent } from './compare.ts';
import { type DecideContext, type RunRequest, decideRule } from './decide.ts';
import { readAppSources } from './read.ts';
import type { Finding, ReadProblem, SourceKind } from './types.ts';

/** One decided rule of the application's repo, as `validate --format json` prints it. */
export interface AppDecision {
  file: string;
  line: number;
  column?: number;
  name: string;
  kind: SourceKind;
  action: 'allow' | 'revoke';
  direction: 'ingress' | 'egress';
  decision: PolicyOutcome;
  reasons: string[];
  policies: DeterminingPolicy[];
  runs: { request: RunRequest; decision: PolicyOutcome; policies: string[] }[];
  /** Every part of the rule became a run (so `submit` may send it). */
  complete: boolean;
  notEnforceable: Finding[];
  unknown: Finding[];
  current?: Comparison[];
}

export interface AppReport {
  files: { file: string; kind?: SourceKind; rules: number; notes: Finding[] }[];
  problems: ReadProblem[];
  decisions: AppDecision[];
  /** Present with --connector / --rules: what the comparison ran against. */
  comparedWith?: string;
}

export interface CurrentRules {
  rules: NormalizedRule[];
  cloud?: ConnectorType;
  label: string;
}

/** Reads the application's files, decides every rule, and compares with a target's current rules when given. */
export function decideAppSources(paths: string[], ctx: DecideContext, current?: CurrentRules): AppReport {
  const read = readAppSources(paths);
  const decided = read.flatMap((r) => r.rules.map((rule) => decideRule(rule, ctx)));
  const comparisons = current ? compareWithCurrent(decided, current.rules, current.cloud, ctx.tiers) : new Map();
  return {
    files: read.map((r) => ({ file: r.file, ...(r.kind ? { kind: r.kind } : {}), rules: r.rules.length, notes: r.notes })),
    problems: read.flatMap((r) => r.problems),
    decisions: decided.map((d) => ({
      file: d.rule.at.file,
      line: d.rule.at.line,
      ...(d.rule.at.column ? { column: d.rule.at.column } : {}),
      name: d.rule.at.name,
      kind: d.rule.kind,
      action: d.rule.action,
      direction: d.rule.direction,
      decision: d.decision,
      reasons: d.reasons,
      policies: d.policies,
      runs: d.runs,
      complete: d.complete,
      notEnforceable: d.rule.notEnforceable,
      unknown: d.rule.unknown,
      ...(comparisons.has(d) ? { current: comparisons.get(d) } : {}),
    })),
    ...(current ? { comparedWith: current.label } : {}),
  };
}

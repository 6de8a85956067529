import type { ConnectorLimits, ConnectorType, NormalizedRule, RuleChange } from '../connectors/types.ts';
import type { UsageModel } from '../flowlogs/usage.ts';

export type FindingKind =
  | 'duplicate'
  | 'shadowed'
  | 'redundant'
  | 'correlated'
  | 'generalization'
  | 'overly_permissive'
  | 'near_quota'
  | 'expired'
  | 'mergeable'
  // From flow logs (traffic.ts): only when `--flow-logs` / a usage model is given.
  | 'unused'
  | 'narrowable'
  | 'block_effective'
  | 'block_idle'
  | 'deny_hits'
  | 'insufficient_coverage';

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** Points at one rule of the analysed list: its index in the input, and what identifies it in the cloud. */
export interface RuleRef {
  index: number;
  cloudId?: string;
  placement: NormalizedRule['placement'];
  direction: NormalizedRule['direction'];
  action: NormalizedRule['action'];
  priority: number;
  owned: boolean;
}

export interface SuggestedFix {
  /** What to do: delete the rule, merge rules into one, narrow its source, reorder, or review by hand. */
  action: 'delete' | 'merge' | 'narrow' | 'reorder' | 'review' | 'raise_quota';
  detail: string;
  /**
   * The exact rule changes, only for rules the service owns (it never changes rules it does not own);
   * unowned rules get the advice in `detail` only.
   */
  changes?: RuleChange[];
  /**
   * For owned rules: the intents the rule serves. A cleanup run retracts these (otherwise the reconciler
   * puts the rule back on its next pass, since the desired state still asks for it).
   */
  retractIntents?: string[];
}

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  /** The rule(s) the finding is about (the one to remove first). */
  rules: RuleRef[];
  /** Rules that explain it: the covering rules, the duplicate kept, the rule it correlates with (bounded). */
  related: RuleRef[];
  message: string;
  fix: SuggestedFix;
  /** Traffic findings: the counts, first/last seen and the coverage they rest on. */
  evidence?: TrafficEvidence;
}

/** What the flow logs showed for one rule, and over which window. */
export interface TrafficEvidence {
  hits: number;
  records: number;
  bytes: number;
  packets: number;
  firstSeen?: string;
  lastSeen?: string;
  /** Records this rule shared with other matching security-group rules (counted for each). */
  ambiguousRecords: number;
  /** Remote prefixes (IPv4 /24, IPv6 /64) and destination ports seen, most used first (at most 10). */
  topRemotes?: { prefix: string; records: number }[];
  topPorts?: { port: number; records: number }[];
  distinctRemotes?: number;
  distinctPorts?: number;
  coverage: { from?: string; to?: string; days: number; gapDays: number; gaps: string[]; minDays: number };
}

export interface AnalysisOptions {
  /** Decides the evaluation order; when absent it is inferred from each rule's placement. */
  cloud?: ConnectorType;
  /** Service-owned capacity per placement (from Connector.limits), for the near-quota check. */
  limits?: Partial<Record<NormalizedRule['placement'], ConnectorLimits>>;
  /** Expiry (epoch ms) of an owned rule, from the intents it serves; undefined when it never expires. */
  expiryOf?: (rule: NormalizedRule) => number | undefined;
  now?: number;
  /** Share of a quota at which a warning starts (default 0.8). */
  quotaWarnAt?: number;
  /** Most related rules listed per finding (default 10); keeps output linear in the rule count. */
  maxRelated?: number;
  /** Observed traffic (from flow logs): adds unused, narrowable and block findings with evidence. */
  traffic?: TrafficInput;
}

/** A usage model from src/flowlogs, and how much coverage a verdict needs. */
export interface TrafficInput {
  usage: UsageModel;
  /** Rules that cannot be judged from addresses (security-group references, tags). */
  unevaluable?: number[];
  /** Days of logs needed before a rule may be called unused (default 14). */
  minCoverageDays?: number;
}

export interface AnalysisReport {
  rules: number;
  findings: Finding[];
  summary: Record<FindingKind, number> & { bySeverity: Record<Severity, number> };
}

export const SEVERITY_ORDER: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

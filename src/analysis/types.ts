import type { ConnectorLimits, ConnectorType, NormalizedRule, RuleChange } from '../connectors/types.ts';

export type FindingKind =
  | 'duplicate'
  | 'shadowed'
  | 'redundant'
  | 'correlated'
  | 'generalization'
  | 'overly_permissive'
  | 'near_quota'
  | 'expired'
  | 'mergeable';

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
}

export interface AnalysisReport {
  rules: number;
  findings: Finding[];
  summary: Record<FindingKind, number> & { bySeverity: Record<Severity, number> };
}

export const SEVERITY_ORDER: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

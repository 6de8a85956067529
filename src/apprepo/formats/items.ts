/**
 * What every CI output (SARIF, JUnit, Markdown) is built from: one item per decided rule, finding or
 * problem, with its source location. `validate` maps its whole report to these.
 */
export interface CiItem {
  file: string;
  line?: number;
  column?: number;
  /** The rule, request or file the item is about. */
  title: string;
  /** deny / needs_approval / approve for decisions; invalid for problems; warning and note for findings. */
  outcome: 'approve' | 'needs_approval' | 'deny' | 'invalid' | 'warning' | 'note';
  ruleId: CiRuleId;
  message: string;
  details: string[];
}

export interface CiSummary {
  outcome: string;
  exitCode: number;
  items: CiItem[];
}

export const CI_RULES = {
  deny: { name: 'PolicyDenied', text: 'A Cedar forbid policy denies this connectivity; nobody can approve it.', level: 'error' },
  'needs-approval': { name: 'NeedsApproval', text: 'No policy auto-approves this connectivity (or part of it cannot be checked automatically); a second person decides.', level: 'warning' },
  approve: { name: 'AutoApproved', text: 'A Cedar permit policy auto-approves this connectivity.', level: 'note' },
  'not-enforceable': { name: 'NotEnforceableByFirewall', text: 'A layer-7 field (HTTP method, path, host, JWT, condition) that a network firewall cannot enforce: the firewall rule is wider than the policy.', level: 'warning' },
  'unknown-until-apply': { name: 'UnknownUntilApply', text: 'A value Terraform knows only after apply; it is not guessed.', level: 'warning' },
  'current-rules': { name: 'ComparedWithCurrentRules', text: "How the rule relates to the target's current rules (already allowed, redundant with, shadowed by).", level: 'note' },
  'not-decided': { name: 'NotDecided', text: 'A firewall resource of a type portcullis does not read: nothing decided it; review it by hand.', level: 'warning' },
  'invalid-input': { name: 'InvalidInput', text: 'A file, document or value that cannot be read as expected.', level: 'error' },
} as const;
export type CiRuleId = keyof typeof CI_RULES;

export { analyzeRules } from './analyze.ts';
export { cleanupPlan } from './cleanup.ts';
export { normalizedRulesSchema } from './rules-schema.ts';
export { ALL_SENSITIVE_PORTS, SENSITIVE_PORTS } from './sensitive-ports.ts';
export type { AnalysisOptions, AnalysisReport, Finding, FindingKind, RuleRef, Severity, SuggestedFix } from './types.ts';

import type { RuleChange } from '../connectors/types.ts';
import type { AnalysisReport, FindingKind } from './types.ts';

/** Findings whose fix is safe to apply without a person choosing between intents. */
export const CLEANUP_KINDS: readonly FindingKind[] = ['duplicate', 'redundant', 'expired'];

export interface CleanupPlan {
  /** Rule deletions, owned rules only (the service never changes rules it does not own). */
  changes: RuleChange[];
  /** Intents to retract so the reconciler does not recreate the deleted rules. */
  retractIntents: string[];
  /** Findings left for a person: unowned rules, and kinds that need a decision (shadowed, permissive...). */
  manual: number;
}

/**
 * What a cleanup run would do for a report: the machine fixes of the chosen kinds. A cleanup is meant
 * to be requested as a normal run (so it is approved and audited), retracting `retractIntents`.
 */
export function cleanupPlan(report: AnalysisReport, kinds: readonly FindingKind[] = CLEANUP_KINDS): CleanupPlan {
  const changes: RuleChange[] = [];
  const retract = new Set<string>();
  const seen = new Set<number>();
  let manual = 0;
  for (const f of report.findings) {
    const index = f.rules[0]?.index;
    if (!kinds.includes(f.kind) || !f.fix.changes || index === undefined) {
      manual++;
      continue;
    }
    if (seen.has(index)) continue;
    seen.add(index);
    changes.push(...f.fix.changes);
    for (const id of f.fix.retractIntents ?? []) retract.add(id);
  }
  return { changes, retractIntents: [...retract], manual };
}

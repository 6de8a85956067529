import type { AuditEventInput } from '../audit/types.ts';
import type { Connector } from '../connectors/types.ts';
import type { Intent, RunWork } from '../runs/types.ts';
import { describeRule } from './pass.ts';

export interface AdoptionOutcome {
  /** Intents that cannot take part in this pass (their rule could not be marked): failed with the reason. */
  held: Set<string>;
  work: RunWork;
  audit: AuditEventInput[];
}

/**
 * Before a pass: foreign rules that adopt-rules intents name get the ownership marker, one connector
 * call each, so the pass then finds them owned and holding exactly what the intents ask (no change).
 * When a rule cannot be marked (gone, changed, refused), its intents sit this pass out and fail with
 * the reason: the pass must not create a second, owned copy beside a rule nobody took over.
 */
export async function adoptForeignRules(connector: Connector, targetId: string, intents: Intent[], target: string, now: number): Promise<AdoptionOutcome> {
  const waiting = intents.filter((i) => i.desired === 'present' && i.spec.adopt && i.state !== 'applied' && !(i.state === 'failed' && i.errorRetryable === false));
  const outcome: AdoptionOutcome = { held: new Set(), work: { intentOutcomes: [] }, audit: [] };
  if (!waiting.length) return outcome;
  const byRule = new Map<string, Intent[]>();
  for (const i of waiting) byRule.set(i.spec.adopt as string, [...(byRule.get(i.spec.adopt as string) ?? []), i]);
  const rules = await connector.list(targetId);
  const fail = (group: Intent[], error: string, retryable: boolean) => {
    for (const i of group) {
      outcome.held.add(i.id);
      outcome.work.intentOutcomes?.push({ id: i.id, state: 'failed', error, retryable, at: now });
    }
  };
  for (const [cloudId, group] of byRule) {
    const rule = rules.find((r) => r.cloudId === cloudId);
    if (rule?.owned) continue;
    if (!rule || !connector.adopt) {
      fail(group, `rule ${cloudId} to adopt is no longer on ${target}`, false);
      continue;
    }
    const result = await connector.adopt(targetId, rule, group.map((i) => i.id));
    outcome.audit.push({
      action: 'rule.adopted',
      outcome: result.ok ? 'success' : 'failure',
      runId: group[0]?.runId,
      target,
      detail: { rule: describeRule(rule), intents: group.length, calls: result.calls, ...(result.error ? { error: result.error } : {}) },
    });
    if (!result.ok) fail(group, `adopting ${cloudId} failed: ${result.error?.code}: ${result.error?.message}`, result.error?.retryable ?? true);
  }
  return outcome;
}

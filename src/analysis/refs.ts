import type { NormalizedRule, RuleChange } from '../connectors/types.ts';
import { formatPortSet, portSetFromRanges } from './port-set.ts';
import type { RuleRef } from './types.ts';

export function refOf(rules: readonly NormalizedRule[], index: number): RuleRef {
  const r = rules[index] as NormalizedRule;
  return {
    index,
    ...(r.cloudId ? { cloudId: r.cloudId } : {}),
    placement: r.placement,
    direction: r.direction,
    action: r.action,
    priority: r.priority,
    owned: r.owned,
  };
}

/** "nacl ingress #110 allow tcp 22 from 0.0.0.0/0" — how findings name a rule. */
export function describeRule(rules: readonly NormalizedRule[], index: number): string {
  const r = rules[index] as NormalizedRule;
  const id = r.cloudId ? ` ${r.cloudId}` : ` [${index}]`;
  const prio = r.placement === 'sg' ? '' : ` prio ${r.priority}`;
  const ports = r.ports.length && (r.protocol === 'tcp' || r.protocol === 'udp') ? ` ${formatPortSet(portSetFromRanges(r.ports))}` : '';
  const from = [...r.cidrs, ...(r.sourceGroup ? [`group ${r.sourceGroup}`] : [])].join(', ') || '(nothing)';
  return `${r.placement}${id}${prio} (${r.direction} ${r.action} ${r.protocol}${ports} ${r.direction === 'ingress' ? 'from' : 'to'} ${from})`;
}

/**
 * The machine part of a "delete this rule" fix, only for a rule the service owns: the delete change and
 * the intents to retract. Unowned rules get advice only.
 */
export function deleteIfOwned(rules: readonly NormalizedRule[], index: number): { changes?: RuleChange[]; retractIntents?: string[] } {
  const r = rules[index] as NormalizedRule;
  if (!r.owned) return {};
  return { changes: [{ op: 'delete', rule: r }], ...(r.intentIds?.length ? { retractIntents: r.intentIds } : {}) };
}

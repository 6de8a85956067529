/** adopt-rules on GCP: a foreign firewall keeps its (immutable) name and gets the adoption marker in its description. */

import { ADOPTED_MARKER, type NormalizedRule, type OperationResult, type RuleChange } from '../../src/connectors/types.ts';
import type { Firewall } from './mapping.ts';
import { isQuarantineRuleName } from './names.ts';
import { type CallRecord, type GcpCalls, mutate, read } from './operations.ts';

const MAX_DESCRIPTION = 2048;

export function adoptionProblems(rule: NormalizedRule, prefix: string): string[] {
  if (rule.owned) return [`rule "${rule.cloudId ?? ''}" is already owned by portcullis`];
  if (!rule.cloudId) return ['the rule has no name to adopt'];
  if (rule.cloudId.includes('#')) {
    return [`"${rule.cloudId}" is one protocol entry of firewall "${rule.cloudId.split('#')[0]}", which holds several; portcullis rules hold one, so it cannot be adopted`];
  }
  if (isQuarantineRuleName(prefix, rule.cloudId)) return [`rule "${rule.cloudId}" belongs to quarantine; use release`];
  return [];
}

/** What a portcullis rule cannot express, so a later narrowing would drop it. */
function unexpressible(raw: Firewall): string[] {
  const problems: string[] = [];
  const entries = (raw.denied?.length ? raw.denied : raw.allowed) ?? [];
  if (entries.length !== 1) problems.push(`it holds ${entries.length} protocol entries`);
  if (raw.targetTags?.length) problems.push(`it applies only to target tags ${raw.targetTags.join(', ')}`);
  if (raw.targetServiceAccounts?.length || raw.sourceServiceAccounts?.length) problems.push('it matches service accounts');
  if (raw.disabled) problems.push('it is disabled');
  const ingress = raw.direction !== 'EGRESS';
  if (ingress ? raw.destinationRanges?.length : raw.sourceRanges?.length) problems.push('it limits the local side to address ranges');
  if (raw.sourceTags?.length && raw.sourceRanges?.length) problems.push('it matches source tags and source ranges together');
  return problems;
}

/**
 * One GET and one update (PUT of the whole firewall as read, only the description changed): nothing it
 * enforces changes, and the name, priority and match stay. Polled to DONE like every GCP write.
 */
export async function adoptFirewall(gc: GcpCalls, prefix: string, rule: NormalizedRule, intentIds: string[]): Promise<OperationResult> {
  const change: RuleChange = { op: 'update', before: rule, rule: { ...rule, owned: true, intentIds } };
  const calls: CallRecord[] = [];
  const refuse = (code: string, message: string): OperationResult => ({ change, ok: false, calls, error: { kind: 'validation', code, message, retryable: false } });
  const problems = adoptionProblems(rule, prefix);
  if (problems.length) return refuse('NOT_ADOPTABLE', problems.join('; '));
  const name = rule.cloudId as string;
  const got = await read(gc, 'compute.firewalls.get', calls, () => gc.compute.firewalls.get({ project: gc.project, firewall: name }));
  if (!got.ok) return { change, ok: false, calls, error: got.error };
  const cannot = unexpressible(got.value);
  if (cannot.length) return refuse('NOT_ADOPTABLE', `firewall "${name}" cannot be adopted: ${cannot.join('; ')}`);
  const { id: _id, creationTimestamp: _created, selfLink: _self, kind: _kind, ...body } = got.value;
  const description = `${ADOPTED_MARKER} ${got.value.description ?? ''}`.trim().slice(0, MAX_DESCRIPTION);
  const updated = await mutate(gc, 'compute.firewalls.update', calls, (requestId) =>
    gc.compute.firewalls.update({ project: gc.project, firewall: name, requestId, requestBody: { ...body, description } }),
  );
  if (!updated.ok) return { change, ok: false, calls, error: updated.error };
  return { change: { ...change, rule: { ...change.rule, description } }, ok: true, calls, cloudId: name };
}

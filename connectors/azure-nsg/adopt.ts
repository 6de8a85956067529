/** adopt-rules on Azure: a foreign security rule keeps its name and gets the adoption marker in its description. */

import type { SecurityRule } from '@azure/arm-network';
import { ADOPTED_MARKER, type NormalizedRule, type OperationResult, type RuleChange } from '../../src/connectors/types.ts';
import { MAX_DESCRIPTION_LENGTH } from './mapping.ts';
import { isQuarantineName } from './names.ts';
import type { NsgApi } from './nsg-api.ts';

export function adoptionProblems(rule: NormalizedRule, namePrefix: string): string[] {
  if (rule.owned) return [`rule "${rule.cloudId ?? ''}" is already owned by portcullis`];
  if (!rule.cloudId) return ['the rule has no name to adopt'];
  if (isQuarantineName(rule.cloudId, namePrefix)) return [`rule "${rule.cloudId}" belongs to quarantine; use release`];
  if (rule.sourceGroup?.startsWith('tag:')) {
    return [`rule "${rule.cloudId}" matches the service tag ${rule.sourceGroup.slice(4)}, which portcullis rules cannot express`];
  }
  return [];
}

/** What a portcullis rule cannot express: the local side and source ports must be "any". */
function unexpressible(raw: SecurityRule): string[] {
  const ingress = raw.direction === 'Inbound';
  const local = ingress
    ? { single: raw.destinationAddressPrefix, many: raw.destinationAddressPrefixes, asgs: raw.destinationApplicationSecurityGroups }
    : { single: raw.sourceAddressPrefix, many: raw.sourceAddressPrefixes, asgs: raw.sourceApplicationSecurityGroups };
  const problems: string[] = [];
  if ((local.single && local.single !== '*') || local.many?.length || local.asgs?.length) {
    problems.push(`it is limited to ${ingress ? 'destinations' : 'sources'} ${[local.single, ...(local.many ?? []), ...(local.asgs ?? []).map((a) => a.id)].filter(Boolean).join(', ')}`);
  }
  if ((raw.sourcePortRange && raw.sourcePortRange !== '*') || raw.sourcePortRanges?.length) problems.push('it matches source ports');
  return problems;
}

/**
 * One GET and one PUT of the same rule with only the description changed (same name, priority, match):
 * nothing it enforces changes. A rule carrying what portcullis rules cannot express is refused, since a
 * later narrowing would rewrite it without that.
 */
export async function adoptRule(api: NsgApi, rule: NormalizedRule, intentIds: string[], namePrefix: string): Promise<OperationResult> {
  const change: RuleChange = { op: 'update', before: rule, rule: { ...rule, owned: true, intentIds } };
  const refuse = (code: string, message: string, calls: OperationResult['calls'] = []): OperationResult => ({
    change,
    ok: false,
    calls,
    error: { kind: 'validation', code, message, retryable: false },
  });
  const problems = adoptionProblems(rule, namePrefix);
  if (problems.length) return refuse('NotAdoptable', problems.join('; '));
  const name = rule.cloudId as string;
  const got = await api.getRule(name);
  if (!got.outcome.ok) return { change, ok: false, calls: [got.call], error: got.outcome.error };
  const raw = got.outcome.value;
  if (!raw) return refuse('NotFound', `rule "${name}" no longer exists`, [got.call]);
  const cannot = unexpressible(raw);
  if (cannot.length) return refuse('NotAdoptable', `rule "${name}" cannot be adopted: ${cannot.join('; ')}`, [got.call]);
  const { id: _id, etag: _etag, provisioningState: _state, type: _type, name: _name, ...body } = raw;
  const description = `${ADOPTED_MARKER} ${raw.description ?? ''}`.trim().slice(0, MAX_DESCRIPTION_LENGTH);
  const put = await api.putRule(name, { ...body, description });
  if (!put.outcome.ok) return { change, ok: false, calls: [got.call, put.call], error: put.outcome.error };
  return { change: { ...change, rule: { ...change.rule, description } }, ok: true, calls: [got.call, put.call], cloudId: name };
}

import type { SecurityRule } from '@azure/arm-network';
import { type ConnectorErrorInfo, isAdoptedDescription, type NormalizedRule, type OperationResult, type RuleChange } from '../../src/connectors/types.ts';
import type { CallRecord } from './arm-calls.ts';
import { CapacityLedger } from './capacity.ts';
import type { AzureNsgTarget } from './config.ts';
import { toSecurityRule } from './mapping.ts';
import { isOwnedName, isQuarantineName, slotRuleName } from './names.ts';
import type { NsgApi } from './nsg-api.ts';
import { validateRule } from './validate.ts';

interface ApplyInput {
  api: NsgApi;
  target: AzureNsgTarget;
  namePrefix: string;
}

function refused(change: RuleChange, error: Omit<ConnectorErrorInfo, 'retryable'>, calls: CallRecord[] = []): OperationResult {
  return { change, ok: false, calls, error: { ...error, retryable: false } };
}

function ruleName(rule: NormalizedRule, namePrefix: string): string {
  return rule.cloudId ?? slotRuleName(namePrefix, rule.direction, rule.priority);
}

/** Everything wrong with a change, found before any call (validation and ownership). */
function changeProblems(input: ApplyInput, change: RuleChange): string[] {
  const { target, namePrefix } = input;
  const ownership = (rule: NormalizedRule): string[] => {
    const name = ruleName(rule, namePrefix);
    if (!rule.owned || !(isOwnedName(name, namePrefix) || isAdoptedDescription(rule.description))) return [`rule "${name}" is not owned by portcullis; it is never changed`];
    if (isQuarantineName(name, namePrefix)) return [`rule "${name}" belongs to quarantine; use release to remove it`];
    return [];
  };
  switch (change.op) {
    case 'create':
      return validateRule(target, { ...change.rule, cloudId: undefined }, namePrefix);
    case 'update':
      return [...ownership(change.before), ...validateRule(target, { ...change.rule, cloudId: undefined }, namePrefix)];
    case 'delete':
      return ownership(change.rule);
  }
}

/**
 * Applies changes to one NSG in the order given (the caller holds the NSG's write queue).
 * Invalid or foreign changes are refused before any call; capacity is counted against the NSG's
 * current rules (one list call) before each write.
 */
export async function applyChanges(input: ApplyInput, changes: RuleChange[]): Promise<OperationResult[]> {
  const results: OperationResult[] = [];
  const pending: number[] = [];
  changes.forEach((change, index) => {
    const problems = changeProblems(input, change);
    if (problems.length > 0) {
      results[index] = refused(change, { kind: 'validation', code: 'InvalidRule', message: problems.join('; ') });
    } else {
      pending.push(index);
    }
  });
  if (pending.length === 0) return results;

  const listed = await input.api.listRules();
  if (!listed.outcome.ok) {
    for (const index of pending) {
      const change = changes[index] as RuleChange;
      results[index] = { change, ok: false, calls: [listed.call], error: listed.outcome.error };
    }
    return results;
  }
  const ledger = new CapacityLedger(input.target.nsgName, listed.outcome.value);
  let readCall: CallRecord | undefined = listed.call;
  for (const index of pending) {
    const change = changes[index] as RuleChange;
    const result = await applyOne(input, ledger, change);
    // The one read serves the whole batch; it is reported with the first change.
    if (readCall) result.calls.unshift(readCall);
    readCall = undefined;
    results[index] = result;
  }
  return results;
}

async function applyOne(input: ApplyInput, ledger: CapacityLedger, change: RuleChange): Promise<OperationResult> {
  const { api, namePrefix } = input;
  if (change.op === 'delete') {
    const name = ruleName(change.rule, namePrefix);
    const { outcome, call } = await api.deleteRule(name);
    if (!outcome.ok) return { change, ok: false, calls: [call], error: outcome.error };
    ledger.remove(name);
    return { change, ok: true, calls: [call], cloudId: name };
  }
  // An update that keeps its slot keeps its name (an adopted rule's foreign name included): Azure holds
  // one rule per direction and priority, so a second name in the same slot would be refused.
  const sameSlot = change.op === 'update' && change.before.cloudId && change.before.priority === change.rule.priority && change.before.direction === change.rule.direction;
  const name = sameSlot ? (change.before.cloudId as string) : slotRuleName(namePrefix, change.rule.direction, change.rule.priority);
  const body = toSecurityRule(change.rule);
  const put = await putWithCapacity(input, ledger, change, name, body);
  if (change.op === 'create' || !put.ok) return put;
  // An update that moved the rule to another slot: the new rule is in place, now remove the old one.
  const oldName = ruleName(change.before, namePrefix);
  if (oldName.toLowerCase() === name.toLowerCase()) return put;
  const { outcome, call } = await api.deleteRule(oldName);
  put.calls.push(call);
  if (!outcome.ok) return { ...put, ok: false, error: outcome.error };
  ledger.remove(oldName);
  return put;
}

async function putWithCapacity(
  input: ApplyInput,
  ledger: CapacityLedger,
  change: RuleChange,
  name: string,
  body: SecurityRule,
): Promise<OperationResult> {
  const refusal = ledger.refusal(name, body);
  if (refusal) {
    return refused(change, { kind: 'capacity', code: 'NsgCapacityExceeded', message: refusal });
  }
  const { outcome, call } = await input.api.putRule(name, body);
  if (!outcome.ok) return { change, ok: false, calls: [call], error: outcome.error };
  ledger.put(name, body);
  return { change, ok: true, calls: [call], cloudId: name };
}

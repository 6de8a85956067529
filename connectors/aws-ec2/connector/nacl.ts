import {
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  type NetworkAclEntry,
  ReplaceNetworkAclEntryCommand,
} from '@aws-sdk/client-ec2';
import type { NormalizedRule } from '../../../src/connectors/types.ts';
import type { AwsEc2Target } from '../config.ts';
import { type CallRecord, type Ec2Calls, connectorErrorInfo } from './calls.ts';
import { planNaclCreates } from './nacl-capacity.ts';
import { familyOfText } from '../../../src/net/index.ts';
import { entryMatches, inBand, naclCloudId, naclEntryInput, parseNaclCloudId } from './nacl-mapping.ts';
import { type ChangeOutcome, failed, type IndexedChange } from './outcome.ts';

export async function describeNaclEntries(calls: Ec2Calls, target: AwsEc2Target, log: CallRecord[]): Promise<NetworkAclEntry[]> {
  const out = await calls.read('DescribeNetworkAcls', (c) => c.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [target.networkAclId] })), log);
  return out.NetworkAcls?.[0]?.Entries ?? [];
}

function numberOf(rule: NormalizedRule): number {
  return (rule.cloudId ? parseNaclCloudId(rule.cloudId)?.ruleNumber : undefined) ?? rule.priority;
}

/**
 * Applies the network ACL part of a change set: deletes first (they free room), then updates in place,
 * then creates, whose room is checked against the band and the entry limit before any create is sent.
 */
export async function applyNaclChanges(calls: Ec2Calls, target: AwsEc2Target, changes: IndexedChange[]): Promise<Map<number, ChangeOutcome>> {
  const outcomes = new Map<number, ChangeOutcome>();
  const first = changes[0];
  if (!first) return outcomes;
  const sharedLog: CallRecord[] = [];
  let entries: NetworkAclEntry[];
  try {
    entries = await describeNaclEntries(calls, target, sharedLog);
  } catch (error) {
    const info = (error as { info?: ChangeOutcome['error'] }).info ?? connectorErrorInfo('unknown', 'Unknown', String(error));
    for (const { index } of changes) outcomes.set(index, failed(index === first.index ? sharedLog : [], info));
    return outcomes;
  }
  // The one describe this pass needed is reported with the first change (the audit log keeps it once).
  const logFor = (index: number): CallRecord[] => (index === first.index ? sharedLog : []);
  const absent = async (egress: boolean, ruleNumber: number, log: CallRecord[]) => {
    entries = await describeNaclEntries(calls, target, log);
    return !entries.some((e) => e.Egress === egress && e.RuleNumber === ruleNumber);
  };

  // Heal in place: an owned entry to delete and a new entry of the same direction and family become one
  // ReplaceNetworkAclEntry at the old number, so a block changed out of band is never briefly gone.
  const replacements = pairReplacements(target, entries, changes);
  const paired = new Set(replacements.flatMap((r) => [r.remove.index, r.put.index]));
  for (const { remove, put, ruleNumber } of replacements) {
    if (put.change.op !== 'create') continue;
    const log = logFor(put.index);
    const input = { NetworkAclId: target.networkAclId, ...naclEntryInput(put.change.rule, ruleNumber) };
    let result = await calls.run('ReplaceNetworkAclEntry', (c) => c.send(new ReplaceNetworkAclEntryCommand(input)), log);
    if (!result.ok && result.error.code === 'InvalidNetworkAclEntry.NotFound') {
      // The old entry is gone already: the new one goes to the same number.
      result = await calls.run('CreateNetworkAclEntry', (c) => c.send(new CreateNetworkAclEntryCommand(input)), log);
    }
    const cloudId = naclCloudId(input.Egress, ruleNumber);
    if (result.ok) {
      entries = entries.map((e) => (e.Egress === input.Egress && e.RuleNumber === ruleNumber ? { ...e, ...input } : e));
      outcomes.set(put.index, { ok: true, calls: log, cloudId });
      outcomes.set(remove.index, { ok: true, calls: logFor(remove.index), cloudId });
    } else {
      outcomes.set(put.index, failed(log, result.error));
      outcomes.set(remove.index, failed(logFor(remove.index), result.error));
    }
  }

  for (const { index, change } of changes.filter((c) => c.change.op === 'delete' && !paired.has(c.index))) {
    if (change.op !== 'delete') continue;
    const log = logFor(index);
    const egress = change.rule.direction === 'egress';
    const ruleNumber = numberOf(change.rule);
    const input = { NetworkAclId: target.networkAclId, RuleNumber: ruleNumber, Egress: egress };
    const result = await calls.run('DeleteNetworkAclEntry', (c) => c.send(new DeleteNetworkAclEntryCommand(input)), log);
    // Deleting an entry that is already gone is success once a describe confirms it is gone.
    if (result.ok || (result.error.code === 'InvalidNetworkAclEntry.NotFound' && (await absent(egress, ruleNumber, log)))) {
      entries = entries.filter((e) => !(e.Egress === egress && e.RuleNumber === ruleNumber));
      outcomes.set(index, { ok: true, calls: log, cloudId: naclCloudId(egress, ruleNumber) });
    } else {
      outcomes.set(index, failed(log, result.error));
    }
  }

  for (const { index, change } of changes.filter((c) => c.change.op === 'update')) {
    if (change.op !== 'update') continue;
    const log = logFor(index);
    const ruleNumber = numberOf(change.before);
    const input = { NetworkAclId: target.networkAclId, ...naclEntryInput(change.rule, ruleNumber) };
    let result = await calls.run('ReplaceNetworkAclEntry', (c) => c.send(new ReplaceNetworkAclEntryCommand(input)), log);
    if (!result.ok && result.error.code === 'InvalidNetworkAclEntry.NotFound') {
      // Deleted out of band since the reconciler read it: put it back as a create at the same number.
      result = await calls.run('CreateNetworkAclEntry', (c) => c.send(new CreateNetworkAclEntryCommand(input)), log);
    }
    outcomes.set(index, result.ok ? { ok: true, calls: log, cloudId: naclCloudId(input.Egress, ruleNumber) } : failed(log, result.error));
  }

  const creates = changes.filter((c) => c.change.op === 'create' && !paired.has(c.index));
  const plan = planNaclCreates(target, entries, creates);
  for (const [index, error] of plan.refused) outcomes.set(index, failed(logFor(index), error));
  for (const { index, ruleNumber } of plan.present) {
    const egress = changes.find((c) => c.index === index)?.change.rule.direction === 'egress';
    outcomes.set(index, { ok: true, calls: logFor(index), cloudId: naclCloudId(egress, ruleNumber) });
  }
  for (const { index, rule, ruleNumber } of plan.placed) {
    const log = logFor(index);
    const input = { NetworkAclId: target.networkAclId, ...naclEntryInput(rule, ruleNumber) };
    const result = await calls.run('CreateNetworkAclEntry', (c) => c.send(new CreateNetworkAclEntryCommand(input)), log);
    const cloudId = naclCloudId(input.Egress, ruleNumber);
    if (result.ok) {
      outcomes.set(index, { ok: true, calls: log, cloudId });
      continue;
    }
    if (result.error.code !== 'NetworkAclEntryAlreadyExists') {
      outcomes.set(index, failed(log, result.error));
      continue;
    }
    // A retried create that already landed is done; an entry someone else put at that number is a conflict.
    entries = await describeNaclEntries(calls, target, log).catch(() => entries);
    const present = entries.find((e) => e.Egress === input.Egress && e.RuleNumber === ruleNumber);
    outcomes.set(
      index,
      present && entryMatches(present, rule, ruleNumber)
        ? { ok: true, calls: log, cloudId }
        : failed(log, connectorErrorInfo('conflict', 'NetworkAclEntryAlreadyExists', `${target.networkAclId} already holds a different ${cloudId} entry (${present?.CidrBlock ?? present?.Ipv6CidrBlock ?? 'unknown'})`)),
    );
  }
  return outcomes;
}

/**
 * Deletes of owned entries paired with creates of the same direction and address family (in the
 * caller's order), skipping creates an identical owned entry already satisfies. Each pair is one
 * ReplaceNetworkAclEntry at the deleted entry's number: the count per family does not change.
 */
function pairReplacements(target: AwsEc2Target, entries: NetworkAclEntry[], changes: IndexedChange[]) {
  const creates = changes.filter(({ change }) => {
    if (change.op !== 'create') return false;
    const rule = change.rule;
    const egress = rule.direction === 'egress';
    return !entries.some((e) => e.Egress === egress && inBand(target, e.RuleNumber ?? 0) && entryMatches(e, rule, e.RuleNumber ?? 0));
  });
  const pairs: { remove: IndexedChange; put: IndexedChange; ruleNumber: number }[] = [];
  for (const remove of changes) {
    if (remove.change.op !== 'delete') continue;
    const old = remove.change.rule;
    const family = familyOfText(old.cidrs[0] ?? '');
    const at = creates.findIndex(
      ({ change }) => change.rule.direction === old.direction && familyOfText(change.rule.cidrs[0] ?? '') === family,
    );
    if (at < 0) continue;
    const [put] = creates.splice(at, 1);
    if (put) pairs.push({ remove, put, ruleNumber: numberOf(old) });
  }
  return pairs;
}

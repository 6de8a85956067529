import { type RuleGroup, UpdateRuleGroupCommand } from '@aws-sdk/client-network-firewall';
import type { ConnectorErrorInfo } from '../../../src/connectors/types.ts';
import { CAPACITY_MESSAGE } from '../classify.ts';
import type { NfwTarget } from '../config.ts';
import { planBatch } from './batch.ts';
import { type CallRecord, errorInfo, type NfwCalls } from './calls.ts';
import type { ChangeOutcome, IndexedChange } from './outcome.ts';
import { describeRuleGroup, refusalToWrite, statelessRulesOf } from './rule-group.ts';

/**
 * Applies a change set as one read-modify-write of the rule group: DescribeRuleGroup (rules and
 * UpdateToken), the changes in memory, one UpdateRuleGroup with that token. When another writer
 * changed the group in between (InvalidTokenException), it describes again and re-plans, up to
 * `tokenRetries` times; throttling and 5xx are retried inside each call by the shared policy.
 */
export async function applyBatch(
  calls: NfwCalls,
  target: NfwTarget,
  marker: string,
  tokenRetries: number,
  changes: IndexedChange[],
): Promise<Map<number, ChangeOutcome>> {
  const outcomes = new Map<number, ChangeOutcome>();
  const first = changes[0];
  if (!first) return outcomes;
  // The calls are shared by the whole set: reported once, with the first change (the audit keeps them once).
  const log: CallRecord[] = [];
  const logFor = (index: number) => (index === first.index ? log : []);
  const failAll = (error: ConnectorErrorInfo, only?: Set<number>) => {
    for (const { index } of changes) if (!only || only.has(index)) outcomes.set(index, { ok: false, calls: logFor(index), error });
  };

  for (let round = 0; ; round++) {
    let described: Awaited<ReturnType<typeof describeRuleGroup>>;
    try {
      described = await describeRuleGroup(calls, target, log);
    } catch (error) {
      failAll((error as { info?: ConnectorErrorInfo }).info ?? errorInfo('unknown', 'Unknown', String(error)));
      return outcomes;
    }
    const refusal = refusalToWrite(described, target, marker);
    if (refusal) {
      failAll(refusal);
      return outcomes;
    }
    const group = described.RuleGroupResponse;
    const name = group?.RuleGroupName ?? target.ruleGroup;
    const batch = planBatch(target, name, group?.Capacity ?? 0, statelessRulesOf(described), changes);
    const writing = new Set<number>();
    for (const [index, outcome] of batch.outcomes) {
      if (outcome.ok) {
        outcomes.set(index, { ok: true, calls: logFor(index), cloudId: outcome.cloudId });
        if (outcome.wrote) writing.add(index);
      } else outcomes.set(index, { ok: false, calls: logFor(index), error: outcome.error });
    }
    if (!batch.changed) return outcomes;

    const body: Partial<RuleGroup> = described.RuleGroup ?? {};
    const sarc = body.RulesSource?.StatelessRulesAndCustomActions;
    const result = await calls.run(
      'UpdateRuleGroup',
      (c) =>
        c.send(
          new UpdateRuleGroupCommand({
            UpdateToken: described.UpdateToken,
            RuleGroupArn: group?.RuleGroupArn,
            Type: 'STATELESS',
            // Everything but the stateless rules goes back exactly as it was read.
            RuleGroup: { ...body, RulesSource: { ...body.RulesSource, StatelessRulesAndCustomActions: { CustomActions: sarc?.CustomActions ?? [], StatelessRules: batch.rules } } },
            ...(group?.Description !== undefined ? { Description: group.Description } : {}),
            ...(group?.EncryptionConfiguration ? { EncryptionConfiguration: group.EncryptionConfiguration } : {}),
          }),
        ),
      log,
    );
    if (result.ok) return outcomes;
    if (result.error.code === 'InvalidTokenException' && round < tokenRetries) continue;
    const error: ConnectorErrorInfo =
      result.error.code === 'InvalidTokenException'
        ? { ...result.error, message: `${name} kept changing under portcullis: ${tokenRetries + 1} updates met a newer UpdateToken (${result.error.message})` }
        : CAPACITY_MESSAGE.test(result.error.message)
          ? { ...result.error, kind: 'capacity', message: `rule group ${name} refused the rules for capacity (${group?.Capacity} units): ${result.error.message}` }
          : result.error;
    // Only the changes that needed the write failed; those already in place still hold.
    failAll(error, writing);
    return outcomes;
  }
}

import {
  DescribeRuleGroupCommand,
  type DescribeRuleGroupCommandOutput,
  type StatelessRule,
} from '@aws-sdk/client-network-firewall';
import type { NfwTarget } from '../config.ts';
import { type CallRecord, errorInfo, type NfwCalls } from './calls.ts';

/** The rule group by ARN, or by name with Type STATELESS (the API needs Type when no ARN is given). */
export function ruleGroupRef(target: NfwTarget): { RuleGroupArn: string } | { RuleGroupName: string; Type: 'STATELESS' } {
  return target.ruleGroup.startsWith('arn:') ? { RuleGroupArn: target.ruleGroup } : { RuleGroupName: target.ruleGroup, Type: 'STATELESS' };
}

export function describeRuleGroup(calls: NfwCalls, target: NfwTarget, log: CallRecord[]): Promise<DescribeRuleGroupCommandOutput> {
  return calls.read('DescribeRuleGroup', (c) => c.send(new DescribeRuleGroupCommand(ruleGroupRef(target))), log);
}

export const statelessRulesOf = (out: DescribeRuleGroupCommandOutput): StatelessRule[] =>
  out.RuleGroup?.RulesSource?.StatelessRulesAndCustomActions?.StatelessRules ?? [];

/**
 * Why portcullis must not write to this rule group, or undefined when it may: it must be a stateless
 * group, active, and carry the ownership tag (the marker as tag key).
 */
export function refusalToWrite(out: DescribeRuleGroupCommandOutput, target: NfwTarget, marker: string) {
  const group = out.RuleGroupResponse;
  const name = group?.RuleGroupName ?? target.ruleGroup;
  if (group?.Type !== 'STATELESS') {
    return errorInfo('validation', 'WrongRuleGroupType', `rule group ${name} is ${group?.Type ?? 'of unknown type'}; portcullis writes stateless rule groups only (drop/pass rules with a capacity per address)`);
  }
  if (group.RuleGroupStatus !== 'ACTIVE') return errorInfo('validation', 'RuleGroupNotActive', `rule group ${name} is ${group.RuleGroupStatus}, not ACTIVE`);
  if (!(group.Tags ?? []).some((t) => t.Key === marker)) {
    return errorInfo(
      'permission',
      'RuleGroupNotOwned',
      `rule group ${name} has no "${marker}" tag, so portcullis does not own it and never changes it; tag it ${marker}=owned if portcullis should manage it`,
    );
  }
  return undefined;
}

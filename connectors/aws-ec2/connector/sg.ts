import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  type IpPermission,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import type { NormalizedRule } from '../../../src/connectors/types.ts';
import { type CallRecord, connectorErrorInfo, type Ec2Calls } from './calls.ts';
import { type ChangeOutcome, failed } from './outcome.ts';
import { descriptionFor, ipPermissionsFor, isOwnedDescription, pairOfRule, pairsOf, type SgPair, samePair } from './sg-mapping.ts';

/** Every rule of one security group (DescribeSecurityGroupRules, all pages). */
export async function describeGroupRules(calls: Ec2Calls, groupId: string, log: CallRecord[]): Promise<SecurityGroupRule[]> {
  const rules: SecurityGroupRule[] = [];
  let nextToken: string | undefined;
  do {
    const input = { Filters: [{ Name: 'group-id', Values: [groupId] }], MaxResults: 1000, ...(nextToken ? { NextToken: nextToken } : {}) };
    const page = await calls.read('DescribeSecurityGroupRules', (c) => c.send(new DescribeSecurityGroupRulesCommand(input)), log);
    rules.push(...(page.SecurityGroupRules ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return rules;
}

export class SecurityGroupRules {
  private readonly calls: Ec2Calls;
  private readonly groupId: string;
  private readonly marker: string;
  constructor(
    calls: Ec2Calls,
    groupId: string,
    marker: string,
  ) {
    this.calls = calls;
    this.groupId = groupId;
    this.marker = marker;
  }

  private authorize(egress: boolean, permissions: IpPermission[], log: CallRecord[]) {
    const input = { GroupId: this.groupId, IpPermissions: permissions };
    return egress
      ? this.calls.run('AuthorizeSecurityGroupEgress', (c) => c.send(new AuthorizeSecurityGroupEgressCommand(input)), log)
      : this.calls.run('AuthorizeSecurityGroupIngress', (c) => c.send(new AuthorizeSecurityGroupIngressCommand(input)), log);
  }

  private revoke(egress: boolean, input: { IpPermissions?: IpPermission[]; SecurityGroupRuleIds?: string[] }, log: CallRecord[]) {
    const full = { GroupId: this.groupId, ...input };
    return egress
      ? this.calls.run('RevokeSecurityGroupEgress', (c) => c.send(new RevokeSecurityGroupEgressCommand(full)), log)
      : this.calls.run('RevokeSecurityGroupIngress', (c) => c.send(new RevokeSecurityGroupIngressCommand(full)), log);
  }

  /** One Authorize call for all the rule's ranges; a duplicate is confirmed with a describe and only the missing part is added. */
  async create(rule: NormalizedRule, log: CallRecord[]): Promise<ChangeOutcome> {
    const egress = rule.direction === 'egress';
    const description = descriptionFor(rule, this.marker);
    const wanted = pairsOf(rule);
    const first = await this.authorize(egress, ipPermissionsFor(wanted, description), log);
    if (first.ok) return { ok: true, calls: log, cloudId: (first.value.SecurityGroupRules ?? []).map((r) => r.SecurityGroupRuleId).join(',') };
    if (first.error.code !== 'InvalidPermission.Duplicate') return failed(log, first.error);

    const existing = (await describeGroupRules(this.calls, this.groupId, log)).filter((r) => (r.IsEgress ?? false) === egress);
    const present: string[] = [];
    const missing: SgPair[] = [];
    for (const pair of wanted) {
      const match = existing.find((r) => samePair(pairOfRule(r), pair));
      if (!match) missing.push(pair);
      else if (!isOwnedDescription(match.Description, this.marker)) {
        const peer = pair.cidrIpv4 ?? pair.cidrIpv6 ?? pair.groupId;
        return failed(log, connectorErrorInfo('conflict', 'InvalidPermission.Duplicate', `${this.groupId} already allows ${pair.protocol} ${pair.from}-${pair.to} from ${peer} through a rule portcullis does not own (${match.SecurityGroupRuleId}); EC2 refuses a duplicate`));
      } else present.push(match.SecurityGroupRuleId ?? '');
    }
    if (missing.length === 0) return { ok: true, calls: log, cloudId: present.join(',') };
    const rest = await this.authorize(egress, ipPermissionsFor(missing, description), log);
    if (!rest.ok) return failed(log, rest.error);
    const added = (rest.value.SecurityGroupRules ?? []).map((r) => r.SecurityGroupRuleId ?? '');
    return { ok: true, calls: log, cloudId: [...present, ...added].join(',') };
  }

  /** Revokes by rule ids when known (else by permission); anything already gone is success once a describe confirms it. */
  async delete(rule: NormalizedRule, log: CallRecord[]): Promise<ChangeOutcome> {
    const egress = rule.direction === 'egress';
    const ids = (rule.cloudId ?? '').split(',').filter((id) => id.startsWith('sgr-'));
    const first =
      ids.length > 0
        ? await this.revoke(egress, { SecurityGroupRuleIds: ids }, log)
        : await this.revoke(egress, { IpPermissions: ipPermissionsFor(pairsOf(rule), descriptionFor(rule, this.marker)) }, log);
    if (first.ok) return { ok: true, calls: log };
    if (first.error.code !== 'InvalidSecurityGroupRuleId.NotFound' && first.error.code !== 'InvalidPermission.NotFound') {
      return failed(log, first.error);
    }
    const existing = (await describeGroupRules(this.calls, this.groupId, log)).filter((r) => (r.IsEgress ?? false) === egress);
    const wanted = pairsOf(rule);
    const remaining = existing.filter((r) =>
      ids.length > 0
        ? ids.includes(r.SecurityGroupRuleId ?? '')
        : isOwnedDescription(r.Description, this.marker) && wanted.some((p) => samePair(pairOfRule(r), p)),
    );
    if (remaining.length === 0) return { ok: true, calls: log };
    const rest = await this.revoke(egress, { SecurityGroupRuleIds: remaining.map((r) => r.SecurityGroupRuleId ?? '') }, log);
    return rest.ok ? { ok: true, calls: log } : failed(log, rest.error);
  }

  /** Security group rules cannot be edited as a set: add the new rule first, then remove the old (no gap in access). */
  async update(before: NormalizedRule, rule: NormalizedRule, log: CallRecord[]): Promise<ChangeOutcome> {
    const created = await this.create(rule, log);
    if (!created.ok) return created;
    // Rules shared by both versions were reported present by create; only revoke ids that are not reused.
    const kept = new Set((created.cloudId ?? '').split(','));
    const oldIds = (before.cloudId ?? '').split(',').filter((id) => id && !kept.has(id));
    if (oldIds.length === 0 && before.cloudId) return created;
    const removed = await this.delete({ ...before, cloudId: oldIds.join(',') }, log);
    return removed.ok ? created : removed;
  }
}

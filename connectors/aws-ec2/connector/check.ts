import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkAclEntryCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteNetworkAclEntryCommand,
  DeleteTagsCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type NetworkAclEntry,
  ModifyNetworkInterfaceAttributeCommand,
  ReplaceNetworkAclEntryCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import type { CheckResult } from '../../../src/connectors/types.ts';
import type { AwsEc2Target } from '../config.ts';
import type { CallRecord, Ec2Calls } from './calls.ts';
import { inBand } from './nacl-mapping.ts';

type Check = CheckResult['checks'][number];

/** TEST-NET-1 (RFC 5737): a harmless CIDR for dry runs. */
const PROBE_CIDR = '192.0.2.0/32';

/**
 * Reads that must work, and every write the connector makes, as EC2 DryRun calls: DryRunOperation means
 * the caller may, UnauthorizedOperation means it may not. Nothing is changed.
 */
export async function checkTarget(calls: Ec2Calls, target: AwsEc2Target, marker: string): Promise<CheckResult> {
  const log: CallRecord[] = [];
  const checks: Check[] = [];
  const acl = await calls.run('DescribeNetworkAcls', (c) => c.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [target.networkAclId] })), log);
  const found = acl.ok ? acl.value.NetworkAcls?.[0] : undefined;
  checks.push(
    acl.ok && found?.VpcId === target.vpcId
      ? { name: `network ACL ${target.networkAclId} exists in ${target.vpcId}`, ok: true }
      : { name: `network ACL ${target.networkAclId} exists in ${target.vpcId}`, ok: false, detail: acl.ok ? `it is in ${found?.VpcId}` : acl.error.message },
  );
  if (found) {
    // NACLs stop at the first matching entry: an allow-all below the band would make every block useless.
    const shadow = (found.Entries ?? []).find(
      (e) => e.RuleAction === 'allow' && !inBand(target, e.RuleNumber ?? 0) && (e.RuleNumber ?? 0) < target.ruleNumberBand.from && (e.CidrBlock === '0.0.0.0/0' || e.Ipv6CidrBlock === '::/0'),
    );
    checks.push({
      name: `rule-number band ${target.ruleNumberBand.from}-${target.ruleNumberBand.to} is evaluated before any allow-all entry`,
      ok: !shadow,
      ...(shadow ? { detail: `${shadow.Egress ? 'egress' : 'ingress'} entry ${shadow.RuleNumber} allows all traffic and is evaluated first; blocks would have no effect` } : {}),
    });
  }
  const sg = await calls.run('DescribeSecurityGroups', (c) => c.send(new DescribeSecurityGroupsCommand({ GroupIds: [target.securityGroupId] })), log);
  const group = sg.ok ? sg.value.SecurityGroups?.[0] : undefined;
  checks.push(
    sg.ok && group?.VpcId === target.vpcId
      ? { name: `security group ${target.securityGroupId} exists in ${target.vpcId}`, ok: true }
      : { name: `security group ${target.securityGroupId} exists in ${target.vpcId}`, ok: false, detail: sg.ok ? `it is in ${group?.VpcId}` : sg.error.message },
  );
  const rulesRead = await calls.run('DescribeSecurityGroupRules', (c) => c.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [target.securityGroupId] }], MaxResults: 5 })), log);
  checks.push(rulesRead.ok ? { name: 'may call DescribeSecurityGroupRules', ok: true } : { name: 'may call DescribeSecurityGroupRules', ok: false, detail: rulesRead.error.message });
  const enis = await calls.run('DescribeNetworkInterfaces', (c) => c.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'vpc-id', Values: [target.vpcId] }], MaxResults: 5 })), log);
  checks.push(enis.ok ? { name: 'may call DescribeNetworkInterfaces', ok: true } : { name: 'may call DescribeNetworkInterfaces', ok: false, detail: enis.error.message });
  // Quarantine's writes are dry-run on a real interface of the VPC (with its current groups), when there is one.
  const eni = enis.ok ? enis.value.NetworkInterfaces?.[0] : undefined;
  // The NACL probes use a rule number no entry holds (in either direction), never one of our blocks:
  // an endpoint that ignores DryRun then creates, replaces and deletes only its own probe entry.
  const probeNumber = freeRuleNumber(target, found?.Entries ?? []);
  const entry = { NetworkAclId: target.networkAclId, RuleNumber: probeNumber, Protocol: '-1', RuleAction: 'deny' as const, Egress: false, CidrBlock: PROBE_CIDR, DryRun: true };
  const permission = { GroupId: target.securityGroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: PROBE_CIDR }] }], DryRun: true };
  const tag = { Resources: [eni?.NetworkInterfaceId ?? ''], Tags: [{ Key: `${marker}:previous-groups`, Value: 'dry-run' }], DryRun: true };
  const groups = (eni?.Groups ?? []).map((g) => g.GroupId ?? '');
  const dryRuns: [string, (c: EC2Client) => Promise<{ $metadata: { requestId?: string } }>][] = [
    ['CreateNetworkAclEntry', (c) => c.send(new CreateNetworkAclEntryCommand(entry))],
    ['ReplaceNetworkAclEntry', (c) => c.send(new ReplaceNetworkAclEntryCommand(entry))],
    ['DeleteNetworkAclEntry', (c) => c.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: entry.NetworkAclId, RuleNumber: entry.RuleNumber, Egress: false, DryRun: true }))],
    ['AuthorizeSecurityGroupIngress', (c) => c.send(new AuthorizeSecurityGroupIngressCommand(permission))],
    ['AuthorizeSecurityGroupEgress', (c) => c.send(new AuthorizeSecurityGroupEgressCommand(permission))],
    ['RevokeSecurityGroupIngress', (c) => c.send(new RevokeSecurityGroupIngressCommand(permission))],
    ['RevokeSecurityGroupEgress', (c) => c.send(new RevokeSecurityGroupEgressCommand(permission))],
    ['CreateSecurityGroup', (c) => c.send(new CreateSecurityGroupCommand({ GroupName: `${marker}-check`, Description: 'dry run', VpcId: target.vpcId, DryRun: true }))],
  ];
  if (eni) {
    dryRuns.push(
      ['CreateTags', (c) => c.send(new CreateTagsCommand(tag))],
      ['DeleteTags', (c) => c.send(new DeleteTagsCommand(tag))],
      ['ModifyNetworkInterfaceAttribute', (c) => c.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: tag.Resources[0], Groups: groups, DryRun: true }))],
    );
  } else {
    checks.push({ name: 'may tag and modify network interfaces (DryRun)', ok: true, detail: `not checked: no network interface in ${target.vpcId}` });
  }
  for (const [name, send] of dryRuns) {
    const result = await calls.run(name, send, log, ['DryRunOperation']);
    const allowed = !result.ok && result.error.code === 'DryRunOperation';
    let detail: string | undefined;
    if (!allowed) {
      detail = result.ok ? 'the dry run was carried out (endpoint ignores DryRun?)' : result.error.code === 'UnauthorizedOperation' ? 'not authorized (UnauthorizedOperation)' : `${result.error.code}: ${result.error.message}`;
    }
    checks.push({ name: `may call ${name} (DryRun)`, ok: allowed, ...(detail ? { detail } : {}) });
  }
  return { ok: checks.every((c) => c.ok), checks };
}

/** The lowest rule number no entry uses in either direction: in the band first, else above it, else below. */
function freeRuleNumber(target: AwsEc2Target, entries: readonly NetworkAclEntry[]): number {
  const taken = new Set(entries.map((e) => e.RuleNumber));
  const { from, to } = target.ruleNumberBand;
  for (const range of [[from, to], [to + 1, 32766], [1, from - 1]] as const) {
    for (let n = range[0]; n <= range[1]; n++) if (!taken.has(n)) return n;
  }
  return to;
}

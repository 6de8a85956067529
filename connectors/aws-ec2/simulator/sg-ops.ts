import type { OpHandler } from './context.ts';
import { faults } from './faults.ts';
import { matchesFilters } from './filters.ts';
import { filtersOf } from './query.ts';
import { rulesOf } from './sg-rule-ops.ts';
import { type Ec2State, newId, type SecurityGroup, type SecurityGroupRule } from './state.ts';
import { tagSetXml, type XmlValue } from './xml.ts';

/** Groups a group's rules back into IpPermissions (one per protocol and port range), as DescribeSecurityGroups shows them. */
function ipPermissionsXml(state: Ec2State, rules: SecurityGroupRule[]): XmlValue[] {
  const byPermission = new Map<string, SecurityGroupRule[]>();
  for (const rule of rules) {
    const key = `${rule.ipProtocol}|${rule.fromPort}|${rule.toPort}`;
    byPermission.set(key, [...(byPermission.get(key) ?? []), rule]);
  }
  return [...byPermission.values()].map((group) => {
    const [first] = group as [SecurityGroupRule];
    const hasPorts = first.ipProtocol !== '-1';
    return {
      ipProtocol: first.ipProtocol,
      fromPort: hasPorts ? first.fromPort : undefined,
      toPort: hasPorts ? first.toPort : undefined,
      groups: group
        .filter((r) => r.referencedGroupId)
        .map((r) => ({
          description: r.description,
          userId: state.accountId,
          groupId: r.referencedGroupId,
          groupName: state.securityGroups.get(r.referencedGroupId ?? '')?.groupName,
        })),
      ipRanges: group.filter((r) => r.cidrIpv4).map((r) => ({ cidrIp: r.cidrIpv4, description: r.description })),
      ipv6Ranges: group.filter((r) => r.cidrIpv6).map((r) => ({ cidrIpv6: r.cidrIpv6, description: r.description })),
      prefixListIds: [],
    };
  });
}

function groupXml(state: Ec2State, group: SecurityGroup): XmlValue {
  const rules = rulesOf(state, group.groupId);
  return {
    ownerId: state.accountId,
    groupId: group.groupId,
    groupName: group.groupName,
    groupDescription: group.description,
    vpcId: group.vpcId,
    ipPermissions: ipPermissionsXml(state, rules.filter((r) => !r.isEgress)),
    ipPermissionsEgress: ipPermissionsXml(state, rules.filter((r) => r.isEgress)),
    tagSet: tagSetXml(group.tags),
    securityGroupArn: `arn:aws:ec2:${state.region}:${state.accountId}:security-group/${group.groupId}`,
  };
}

const describeSecurityGroups: OpHandler = (ctx) => {
  const ids = ctx.params.list('GroupId');
  for (const id of ids) if (!ctx.state.securityGroups.has(id)) throw faults.groupNotFound(id);
  const names = ctx.params.list('GroupName');
  const filters = filtersOf(ctx.params);
  ctx.gate();
  const groups = [...ctx.state.securityGroups.values()].filter(
    (group) =>
      (ids.length === 0 || ids.includes(group.groupId)) &&
      (names.length === 0 || names.includes(group.groupName)) &&
      matchesFilters(group, filters, (g, name) => {
        if (name === 'vpc-id') return [g.vpcId];
        if (name === 'group-id') return [g.groupId];
        if (name === 'group-name') return [g.groupName];
        return undefined;
      }),
  );
  return { securityGroupInfo: groups.map((g) => groupXml(ctx.state, g)) };
};

/** Creates a group in a VPC with EC2's default egress rule(s): all traffic out (IPv6 too when the VPC has it). */
const createSecurityGroup: OpHandler = (ctx) => {
  const groupName = ctx.params.get('GroupName');
  if (!groupName) throw faults.missing('GroupName');
  const description = ctx.params.get('GroupDescription');
  if (!description) throw faults.missing('GroupDescription');
  const vpcId = ctx.params.get('VpcId');
  if (!vpcId) throw faults.missing('VpcId');
  const vpc = ctx.state.vpcs.get(vpcId);
  if (!vpc) throw faults.vpcNotFound(vpcId);
  ctx.gate();
  if ([...ctx.state.securityGroups.values()].some((g) => g.vpcId === vpcId && g.groupName === groupName)) {
    throw faults.groupDuplicate(groupName, vpcId);
  }
  const tags = new Map<string, string>();
  for (const spec of ctx.params.structs('TagSpecification')) {
    if (spec.get('ResourceType') !== 'security-group') continue;
    for (const tag of spec.structs('Tag')) tags.set(tag.get('Key') ?? '', tag.get('Value') ?? '');
  }
  const group: SecurityGroup = { groupId: newId(ctx.state, 'sg'), groupName, description, vpcId, tags };
  ctx.state.securityGroups.set(group.groupId, group);
  const defaults: Pick<SecurityGroupRule, 'cidrIpv4' | 'cidrIpv6'>[] = [{ cidrIpv4: '0.0.0.0/0' }];
  if (vpc.ipv6CidrBlock) defaults.push({ cidrIpv6: '::/0' });
  for (const peer of defaults) {
    const id = newId(ctx.state, 'sgr');
    ctx.state.securityGroupRules.set(id, {
      securityGroupRuleId: id,
      groupId: group.groupId,
      isEgress: true,
      ipProtocol: '-1',
      fromPort: -1,
      toPort: -1,
      ...peer,
      tags: new Map(),
    });
  }
  return {
    return: true,
    groupId: group.groupId,
    tagSet: tagSetXml(group.tags),
    securityGroupArn: `arn:aws:ec2:${ctx.state.region}:${ctx.state.accountId}:security-group/${group.groupId}`,
  };
};

export const sgOps: Record<string, OpHandler> = {
  DescribeSecurityGroups: describeSecurityGroups,
  CreateSecurityGroup: createSecurityGroup,
};

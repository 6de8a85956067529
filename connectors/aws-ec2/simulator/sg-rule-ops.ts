import type { OpContext, OpHandler } from './context.ts';
import { faults } from './faults.ts';
import { matchesFilters } from './filters.ts';
import { peerOf, requestedRules, ruleFamily, samePermission } from './permissions.ts';
import { filtersOf } from './query.ts';
import { type Ec2State, newId, type SecurityGroup, type SecurityGroupRule } from './state.ts';
import { tagSetXml, type XmlValue } from './xml.ts';

function requireGroup(ctx: OpContext): SecurityGroup {
  const id = ctx.params.get('GroupId');
  if (!id) throw faults.missing('GroupId');
  const group = ctx.state.securityGroups.get(id);
  if (!group) throw faults.groupNotFound(id);
  return group;
}

export function rulesOf(state: Ec2State, groupId: string): SecurityGroupRule[] {
  return [...state.securityGroupRules.values()].filter((r) => r.groupId === groupId);
}

export function securityGroupRuleXml(state: Ec2State, rule: SecurityGroupRule): XmlValue {
  return {
    securityGroupRuleId: rule.securityGroupRuleId,
    groupId: rule.groupId,
    groupOwnerId: state.accountId,
    isEgress: rule.isEgress,
    ipProtocol: rule.ipProtocol,
    fromPort: rule.fromPort,
    toPort: rule.toPort,
    cidrIpv4: rule.cidrIpv4,
    cidrIpv6: rule.cidrIpv6,
    referencedGroupInfo: rule.referencedGroupId ? { groupId: rule.referencedGroupId, userId: state.accountId } : undefined,
    description: rule.description,
    tagSet: tagSetXml(rule.tags),
    securityGroupRuleArn: `arn:aws:ec2:${state.region}:${state.accountId}:security-group-rule/${rule.securityGroupRuleId}`,
  };
}

/** Tags requested for the new rules through TagSpecification (ResourceType security-group-rule). */
function requestedTags(ctx: OpContext): Map<string, string> {
  const tags = new Map<string, string>();
  for (const spec of ctx.params.structs('TagSpecification')) {
    if (spec.get('ResourceType') !== 'security-group-rule') continue;
    for (const tag of spec.structs('Tag')) tags.set(tag.get('Key') ?? '', tag.get('Value') ?? '');
  }
  return tags;
}

function authorize(isEgress: boolean): OpHandler {
  return (ctx) => {
    const group = requireGroup(ctx);
    const requested = requestedRules(ctx.params, ctx.state);
    ctx.gate();
    const existing = rulesOf(ctx.state, group.groupId).filter((r) => r.isEgress === isEgress);
    requested.forEach((rule, index) => {
      const clash = existing.some((r) => samePermission(r, rule)) || requested.slice(0, index).some((r) => samePermission(r, rule));
      if (clash) throw faults.permissionDuplicate(peerOf(rule), rule.ipProtocol, rule.fromPort, rule.toPort);
    });
    for (const family of ['ipv4', 'ipv6'] as const) {
      const after = [...existing, ...requested].filter((r) => ruleFamily(r) === family).length;
      if (after > ctx.quotas.rulesPerSecurityGroup) throw faults.rulesPerGroupLimit();
    }
    const tags = requestedTags(ctx);
    const created = requested.map((rule) => {
      const stored: SecurityGroupRule = {
        ...rule,
        securityGroupRuleId: newId(ctx.state, 'sgr'),
        groupId: group.groupId,
        isEgress,
        tags: new Map(tags),
      };
      ctx.state.securityGroupRules.set(stored.securityGroupRuleId, stored);
      return stored;
    });
    return { return: true, securityGroupRuleSet: created.map((r) => securityGroupRuleXml(ctx.state, r)) };
  };
}

/**
 * Revoke by rule ids or by permissions. As in a non-default VPC, a permission that does not exist fails the
 * whole call with InvalidPermission.NotFound and nothing is revoked.
 */
function revoke(isEgress: boolean): OpHandler {
  return (ctx) => {
    const group = requireGroup(ctx);
    const existing = rulesOf(ctx.state, group.groupId).filter((r) => r.isEgress === isEgress);
    const ruleIds = ctx.params.list('SecurityGroupRuleId');
    let targets: SecurityGroupRule[];
    if (ruleIds.length > 0) {
      targets = ruleIds.map((id) => {
        const rule = existing.find((r) => r.securityGroupRuleId === id);
        if (!rule) throw faults.ruleIdNotFound(id);
        return rule;
      });
      ctx.gate();
    } else {
      const requested = requestedRules(ctx.params, ctx.state);
      ctx.gate();
      targets = requested.map((wanted) => {
        const rule = existing.find((r) => samePermission(r, wanted));
        if (!rule) throw faults.permissionNotFound();
        return rule;
      });
    }
    for (const rule of targets) ctx.state.securityGroupRules.delete(rule.securityGroupRuleId);
    return { return: true, revokedSecurityGroupRuleSet: targets.map((r) => ({
      securityGroupRuleId: r.securityGroupRuleId,
      groupId: r.groupId,
      isEgress: r.isEgress,
      ipProtocol: r.ipProtocol,
      fromPort: r.fromPort,
      toPort: r.toPort,
      cidrIpv4: r.cidrIpv4,
      cidrIpv6: r.cidrIpv6,
      referencedSecurityGroupId: r.referencedGroupId,
      description: r.description,
    })) };
  };
}

/**
 * UpdateSecurityGroupRuleDescriptionsIngress/Egress by rule ids (SecurityGroupRuleDescription.N): only the
 * descriptions change. An id that is not a rule of this group and direction fails the whole call.
 */
function updateDescriptions(isEgress: boolean): OpHandler {
  return (ctx) => {
    const group = requireGroup(ctx);
    const existing = rulesOf(ctx.state, group.groupId).filter((r) => r.isEgress === isEgress);
    const wanted = ctx.params.structs('SecurityGroupRuleDescription').map((d) => {
      const id = d.get('SecurityGroupRuleId') ?? '';
      const rule = existing.find((r) => r.securityGroupRuleId === id);
      if (!rule) throw faults.ruleIdNotFound(id);
      const description = d.get('Description') ?? '';
      if (description.length > 255) throw faults.invalidValue('Invalid rule description. Valid descriptions are strings less than 256 characters');
      return { rule, description };
    });
    if (!wanted.length) throw faults.missing('SecurityGroupRuleDescription');
    ctx.gate();
    for (const { rule, description } of wanted) rule.description = description;
    return { return: true };
  };
}

const describeSecurityGroupRules: OpHandler = (ctx) => {
  const ids = ctx.params.list('SecurityGroupRuleId');
  for (const id of ids) if (!ctx.state.securityGroupRules.has(id)) throw faults.ruleIdNotFound(id);
  const filters = filtersOf(ctx.params);
  const maxResults = ctx.params.int('MaxResults');
  if (maxResults !== undefined && (maxResults < 5 || maxResults > 1000)) {
    throw faults.invalidValue(`Value ( ${maxResults} ) for parameter maxResults is invalid. Parameter must be between 5 and 1000.`);
  }
  ctx.gate();
  const matching = [...ctx.state.securityGroupRules.values()].filter(
    (rule) =>
      (ids.length === 0 || ids.includes(rule.securityGroupRuleId)) &&
      matchesFilters(rule, filters, (r, name) => {
        if (name === 'group-id') return [r.groupId];
        if (name === 'security-group-rule-id') return [r.securityGroupRuleId];
        return undefined;
      }),
  );
  // NextToken is an opaque offset; EC2's tokens are opaque too, so callers must not parse them.
  const start = Number(ctx.params.get('NextToken') ?? '0') || 0;
  const end = maxResults ? start + maxResults : matching.length;
  return {
    securityGroupRuleSet: matching.slice(start, end).map((r) => securityGroupRuleXml(ctx.state, r)),
    nextToken: end < matching.length ? String(end) : undefined,
  };
};

export const sgRuleOps: Record<string, OpHandler> = {
  AuthorizeSecurityGroupIngress: authorize(false),
  AuthorizeSecurityGroupEgress: authorize(true),
  RevokeSecurityGroupIngress: revoke(false),
  RevokeSecurityGroupEgress: revoke(true),
  DescribeSecurityGroupRules: describeSecurityGroupRules,
  UpdateSecurityGroupRuleDescriptionsIngress: updateDescriptions(false),
  UpdateSecurityGroupRuleDescriptionsEgress: updateDescriptions(true),
};

import type { IpPermission, SecurityGroupRule } from '@aws-sdk/client-ec2';
import type { NormalizedRule, Protocol } from '../../../src/connectors/types.ts';
import { familyOfText } from '../../../src/net/index.ts';

/**
 * Security group rules ↔ normalized rules. EC2 stores one rule per (protocol, port range, peer); a
 * normalized rule is the cross product of its port ranges and its CIDRs (or its source group), carrying
 * one description "<marker>:<intent ids>" that marks it as owned.
 */
export interface SgPair {
  protocol: string;
  from: number;
  to: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  groupId?: string;
}

const MAX_DESCRIPTION = 255;

export function isOwnedDescription(description: string | undefined, marker: string): boolean {
  return description === marker || (description?.startsWith(`${marker}:`) ?? false);
}

/** The description written on every EC2 rule of a normalized rule: the marker, then intent ids (or the rule's text). */
export function descriptionFor(rule: NormalizedRule, marker: string): string {
  if (rule.description && isOwnedDescription(rule.description, marker)) return rule.description.slice(0, MAX_DESCRIPTION);
  const detail = rule.intentIds?.length ? rule.intentIds.join(',') : (rule.description ?? 'managed');
  return `${marker}:${detail}`.slice(0, MAX_DESCRIPTION);
}

function sgProtocol(protocol: Protocol, ipv6: boolean): string {
  if (protocol === 'all') return '-1';
  if (protocol === 'icmp') return ipv6 ? 'icmpv6' : 'icmp';
  return protocol;
}

/** Every EC2 rule a normalized rule stands for. */
export function pairsOf(rule: NormalizedRule): SgPair[] {
  const ranges = rule.ports.length > 0 ? rule.ports : [{ from: 0, to: 65535 }];
  const pairs: SgPair[] = [];
  for (const range of ranges) {
    const ports = (protocol: string) =>
      protocol === 'tcp' || protocol === 'udp' ? { from: range.from, to: range.to } : { from: -1, to: -1 };
    if (rule.sourceGroup) {
      const protocol = sgProtocol(rule.protocol, false);
      pairs.push({ protocol, ...ports(protocol), groupId: rule.sourceGroup });
    }
    for (const cidr of rule.cidrs) {
      const ipv6 = familyOfText(cidr) === 'ipv6';
      const protocol = sgProtocol(rule.protocol, ipv6);
      pairs.push({ protocol, ...ports(protocol), ...(ipv6 ? { cidrIpv6: cidr } : { cidrIpv4: cidr }) });
    }
  }
  // Port ranges do not apply to "all" or ICMP: several ranges collapse to one EC2 rule.
  return pairs.filter((p, i) => pairs.findIndex((q) => samePair(p, q)) === i);
}

export function samePair(a: SgPair, b: SgPair): boolean {
  return a.protocol === b.protocol && a.from === b.from && a.to === b.to && a.cidrIpv4 === b.cidrIpv4 && a.cidrIpv6 === b.cidrIpv6 && a.groupId === b.groupId;
}

export function pairOfRule(rule: SecurityGroupRule): SgPair {
  const protocol = rule.IpProtocol ?? '-1';
  return {
    protocol,
    from: rule.FromPort ?? -1,
    to: rule.ToPort ?? -1,
    ...(rule.CidrIpv4 ? { cidrIpv4: rule.CidrIpv4 } : {}),
    ...(rule.CidrIpv6 ? { cidrIpv6: rule.CidrIpv6 } : {}),
    ...(rule.ReferencedGroupInfo?.GroupId ? { groupId: rule.ReferencedGroupInfo.GroupId } : {}),
  };
}

/** IpPermissions for an Authorize/Revoke call: one permission per (protocol, port range), several peers each. */
export function ipPermissionsFor(pairs: SgPair[], description: string): IpPermission[] {
  const byPermission = new Map<string, IpPermission>();
  for (const pair of pairs) {
    const key = `${pair.protocol}|${pair.from}|${pair.to}`;
    const permission: IpPermission = byPermission.get(key) ?? {
      IpProtocol: pair.protocol,
      ...(pair.protocol === '-1' ? {} : { FromPort: pair.from, ToPort: pair.to }),
    };
    if (pair.cidrIpv4) permission.IpRanges = [...(permission.IpRanges ?? []), { CidrIp: pair.cidrIpv4, Description: description }];
    if (pair.cidrIpv6) permission.Ipv6Ranges = [...(permission.Ipv6Ranges ?? []), { CidrIpv6: pair.cidrIpv6, Description: description }];
    if (pair.groupId) permission.UserIdGroupPairs = [...(permission.UserIdGroupPairs ?? []), { GroupId: pair.groupId, Description: description }];
    byPermission.set(key, permission);
  }
  return [...byPermission.values()];
}

const PROTOCOLS: Record<string, Protocol> = { '-1': 'all', tcp: 'tcp', udp: 'udp', icmp: 'icmp', icmpv6: 'icmp', '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmp' };

function portsKey(rule: SecurityGroupRule): string {
  const protocol = PROTOCOLS[rule.IpProtocol ?? '-1'];
  const from = rule.FromPort ?? -1;
  const to = rule.ToPort ?? -1;
  if ((protocol !== 'tcp' && protocol !== 'udp') || (from === 0 && to === 65535)) return '';
  return `${from}-${to}`;
}

/** Reads a group's rules back into normalized rules (grouped as pairsOf expands them). */
export function sgRulesToNormalized(rules: SecurityGroupRule[], marker: string): NormalizedRule[] {
  const groups = new Map<string, SecurityGroupRule[]>();
  for (const rule of rules) {
    const key = [rule.IsEgress, PROTOCOLS[rule.IpProtocol ?? '-1'] ?? rule.IpProtocol, rule.Description ?? '', rule.ReferencedGroupInfo?.GroupId ?? ''].join('|');
    groups.set(key, [...(groups.get(key) ?? []), rule]);
  }
  const normalized: NormalizedRule[] = [];
  for (const members of groups.values()) {
    const ports = [...new Set(members.map(portsKey))];
    const peers = [...new Set(members.map((r) => r.CidrIpv4 ?? r.CidrIpv6 ?? r.ReferencedGroupInfo?.GroupId ?? ''))];
    // Only a full cross product is one normalized rule; anything else is read per port range.
    const chunks = ports.length * peers.length === members.length ? [members] : ports.map((p) => members.filter((r) => portsKey(r) === p));
    for (const chunk of chunks) normalized.push(toNormalized(chunk, marker));
  }
  return normalized;
}

function toNormalized(members: SecurityGroupRule[], marker: string): NormalizedRule {
  const [first] = members as [SecurityGroupRule];
  const description = first.Description;
  const owned = isOwnedDescription(description, marker);
  const rule: NormalizedRule = {
    direction: first.IsEgress ? 'egress' : 'ingress',
    action: 'allow',
    protocol: PROTOCOLS[first.IpProtocol ?? '-1'] ?? 'all',
    ports: [...new Set(members.map(portsKey))]
      .filter((p) => p !== '')
      .map((p) => {
        const [from, to] = p.split('-').map(Number);
        return { from: from ?? 0, to: to ?? 65535 };
      })
      .sort((a, b) => a.from - b.from),
    cidrs: [...new Set(members.flatMap((r) => (r.CidrIpv4 ?? r.CidrIpv6 ? [r.CidrIpv4 ?? r.CidrIpv6 ?? ''] : [])))].sort(),
    priority: 0,
    placement: 'sg',
    cloudId: members.map((r) => r.SecurityGroupRuleId).join(','),
    owned,
  };
  if (first.ReferencedGroupInfo?.GroupId) rule.sourceGroup = first.ReferencedGroupInfo.GroupId;
  if (description !== undefined) rule.description = description;
  if (owned && description && description.length > marker.length + 1) {
    rule.intentIds = description.slice(marker.length + 1).split(',').filter(Boolean);
  }
  return rule;
}

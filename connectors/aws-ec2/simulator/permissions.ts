import type { IpFamily } from '../../../src/net/index.ts';
import { parseCanonicalCidr } from '../cidr.ts';
import { faults } from './faults.ts';
import type { QueryParams } from './query.ts';
import type { Ec2State, SecurityGroupRule } from './state.ts';

/** One security group rule as requested through IpPermissions (before it gets an id, group and tags). */
export type RequestedRule = Omit<SecurityGroupRule, 'securityGroupRuleId' | 'groupId' | 'isEgress' | 'tags'>;

const PROTOCOL_NAMES: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6' };
const DESCRIPTION = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]{0,255}$/;

function protocolOf(raw: string | undefined): string {
  if (raw === undefined) throw faults.missing('ipProtocol');
  const lower = raw.toLowerCase();
  if (PROTOCOL_NAMES[lower]) return PROTOCOL_NAMES[lower];
  if (['tcp', 'udp', 'icmp', 'icmpv6', '-1'].includes(lower) || /^\d{1,3}$/.test(lower)) return lower;
  throw faults.invalidValue(`Invalid value '${raw}' for IP protocol. Unknown protocol.`);
}

function portsOf(protocol: string, from: number | undefined, to: number | undefined): [number, number] {
  if (protocol === 'tcp' || protocol === 'udp') {
    if (from === undefined || to === undefined) throw faults.invalidValue(`Invalid value 'null' for ${from === undefined ? 'fromPort' : 'toPort'}. Must be a port number.`);
    if (from < 0 || to > 65535 || from > to || !Number.isInteger(from) || !Number.isInteger(to)) {
      throw faults.invalidValue(`Invalid port range ${from}-${to}.`);
    }
    return [from, to];
  }
  if (protocol === 'icmp' || protocol === 'icmpv6') return [from ?? -1, to ?? -1];
  return [-1, -1];
}

function checkDescription(description: string | undefined): string | undefined {
  if (description !== undefined && !DESCRIPTION.test(description)) {
    throw faults.invalidValue(
      'Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*',
    );
  }
  return description;
}

function checkCidr(cidr: string, family: IpFamily): string {
  const parsed = parseCanonicalCidr(cidr);
  if (typeof parsed === 'string' || parsed.family !== family) {
    throw faults.invalidValue(`CIDR block ${cidr} is malformed`);
  }
  return cidr;
}

/** Expands `IpPermissions.N` into one requested rule per (permission, peer), as EC2 stores them. */
export function requestedRules(params: QueryParams, state: Ec2State): RequestedRule[] {
  const rules: RequestedRule[] = [];
  for (const permission of params.structs('IpPermissions')) {
    const ipProtocol = protocolOf(permission.get('IpProtocol'));
    const [fromPort, toPort] = portsOf(ipProtocol, permission.int('FromPort'), permission.int('ToPort'));
    const base = { ipProtocol, fromPort, toPort };
    for (const range of permission.structs('IpRanges')) {
      const description = checkDescription(range.get('Description'));
      rules.push({ ...base, cidrIpv4: checkCidr(range.get('CidrIp') ?? '', 'ipv4'), ...(description ? { description } : {}) });
    }
    for (const range of permission.structs('Ipv6Ranges')) {
      const description = checkDescription(range.get('Description'));
      rules.push({ ...base, cidrIpv6: checkCidr(range.get('CidrIpv6') ?? '', 'ipv6'), ...(description ? { description } : {}) });
    }
    for (const pair of permission.structs('Groups')) {
      const groupId = pair.get('GroupId');
      if (!groupId) throw faults.missing('groupId');
      if (!state.securityGroups.has(groupId)) throw faults.groupNotFound(groupId);
      const description = checkDescription(pair.get('Description'));
      rules.push({ ...base, referencedGroupId: groupId, ...(description ? { description } : {}) });
    }
  }
  if (rules.length === 0) throw faults.missing('ipPermissions');
  return rules;
}

export function peerOf(rule: RequestedRule | SecurityGroupRule): string {
  return rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.referencedGroupId ?? '';
}

/** Two rules are the same permission when everything but the description matches (EC2's duplicate test). */
export function samePermission(a: RequestedRule | SecurityGroupRule, b: RequestedRule | SecurityGroupRule): boolean {
  return a.ipProtocol === b.ipProtocol && a.fromPort === b.fromPort && a.toPort === b.toPort && peerOf(a) === peerOf(b);
}

export function ruleFamily(rule: RequestedRule | SecurityGroupRule): 'ipv4' | 'ipv6' {
  return rule.cidrIpv6 ? 'ipv6' : 'ipv4';
}

import type { NetworkAclEntry } from '@aws-sdk/client-ec2';
import type { NormalizedRule, Protocol } from '../../../src/connectors/types.ts';
import { familyOfText } from '../../../src/net/index.ts';
import type { AwsEc2Target } from '../config.ts';

/**
 * Network ACL entries ↔ normalized rules. NACL entries carry no description or tag, so ownership is the
 * rule-number band: every entry inside the band is portcullis's, every entry outside is foreign.
 */
const FROM_PROTOCOL: Record<string, Protocol> = { '-1': 'all', all: 'all', '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmp' };

export function inBand(target: AwsEc2Target, ruleNumber: number): boolean {
  return ruleNumber >= target.ruleNumberBand.from && ruleNumber <= target.ruleNumberBand.to;
}

export function naclCloudId(egress: boolean, ruleNumber: number): string {
  return `${egress ? 'egress' : 'ingress'}:${ruleNumber}`;
}

/** "ingress:110" → { egress: false, ruleNumber: 110 }. */
export function parseNaclCloudId(cloudId: string): { egress: boolean; ruleNumber: number } | undefined {
  const match = /^(ingress|egress):(\d+)$/.exec(cloudId);
  return match ? { egress: match[1] === 'egress', ruleNumber: Number(match[2]) } : undefined;
}

/** The first rule number AWS reserves for a network ACL's default entries. */
const DEFAULT_ENTRY_NUMBER = 32767;

export function naclEntryToRule(target: AwsEc2Target, entry: NetworkAclEntry): NormalizedRule {
  const ruleNumber = entry.RuleNumber ?? 0;
  const egress = entry.Egress === true;
  const rawProtocol = entry.Protocol ?? '-1';
  const protocol = FROM_PROTOCOL[rawProtocol] ?? 'all';
  const range = entry.PortRange;
  const allPorts = !range || (range.From === 0 && range.To === 65535);
  const rule: NormalizedRule = {
    direction: egress ? 'egress' : 'ingress',
    action: entry.RuleAction === 'deny' ? 'deny' : 'allow',
    protocol,
    ports: (protocol === 'tcp' || protocol === 'udp') && !allPorts ? [{ from: range.From ?? 0, to: range.To ?? 65535 }] : [],
    cidrs: [entry.CidrBlock ?? entry.Ipv6CidrBlock ?? ''],
    priority: ruleNumber,
    placement: 'nacl',
    cloudId: naclCloudId(egress, ruleNumber),
    owned: inBand(target, ruleNumber),
  };
  // A protocol the normalized model cannot name is kept visible instead of silently read as "all".
  if (!FROM_PROTOCOL[rawProtocol]) rule.description = `protocol ${rawProtocol}`;
  // 32767 (IPv4) and 32768 (IPv6) are the ACL's default "*" entries: AWS keeps them, nobody may change them.
  if (ruleNumber >= DEFAULT_ENTRY_NUMBER) rule.builtIn = true;
  return rule;
}

export interface NaclEntryInput {
  Egress: boolean;
  RuleNumber: number;
  RuleAction: 'allow' | 'deny';
  Protocol: string;
  CidrBlock?: string;
  Ipv6CidrBlock?: string;
  PortRange?: { From: number; To: number };
  IcmpTypeCode?: { Type: number; Code: number };
}

/** The CreateNetworkAclEntry / ReplaceNetworkAclEntry fields for a (validated) rule at a rule number. */
export function naclEntryInput(rule: NormalizedRule, ruleNumber: number): NaclEntryInput {
  const cidr = rule.cidrs[0] ?? '';
  const ipv6 = familyOfText(cidr) === 'ipv6';
  const protocol = { all: '-1', tcp: '6', udp: '17', icmp: ipv6 ? '58' : '1' }[rule.protocol];
  const ports = rule.ports[0] ?? { from: 0, to: 65535 };
  return {
    Egress: rule.direction === 'egress',
    RuleNumber: ruleNumber,
    RuleAction: rule.action,
    Protocol: protocol,
    ...(ipv6 ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }),
    ...(rule.protocol === 'tcp' || rule.protocol === 'udp' ? { PortRange: { From: ports.from, To: ports.to } } : {}),
    // All ICMP types and codes: the normalized model has no ICMP type.
    ...(rule.protocol === 'icmp' ? { IcmpTypeCode: { Type: -1, Code: -1 } } : {}),
  };
}

/** True when the entry already in the ACL is exactly the one the rule asks for (a duplicate create is then done). */
export function entryMatches(entry: NetworkAclEntry, rule: NormalizedRule, ruleNumber: number): boolean {
  const wanted = naclEntryInput(rule, ruleNumber);
  const protocol = entry.Protocol === 'all' ? '-1' : entry.Protocol;
  return (
    entry.RuleNumber === ruleNumber &&
    entry.Egress === wanted.Egress &&
    entry.RuleAction === wanted.RuleAction &&
    protocol === wanted.Protocol &&
    (entry.CidrBlock ?? entry.Ipv6CidrBlock) === rule.cidrs[0] &&
    (wanted.PortRange === undefined || (entry.PortRange?.From === wanted.PortRange.From && entry.PortRange?.To === wanted.PortRange.To))
  );
}

export function entryFamily(entry: NetworkAclEntry): 'ipv4' | 'ipv6' {
  return entry.Ipv6CidrBlock ? 'ipv6' : 'ipv4';
}

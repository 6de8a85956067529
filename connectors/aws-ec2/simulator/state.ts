/**
 * The simulator's in-memory model of one EC2 region: just the resources portcullis touches.
 * Values are stored as EC2 stores them (protocol numbers on NACL entries, protocol names on SG rules).
 */

export type Tags = Map<string, string>;

export interface NaclEntry {
  ruleNumber: number;
  egress: boolean;
  /** "-1" (all), "6", "17", "1", "58" or another protocol number, as EC2 returns it. */
  protocol: string;
  ruleAction: 'allow' | 'deny';
  cidrBlock?: string;
  ipv6CidrBlock?: string;
  portRange?: { from: number; to: number };
  icmpTypeCode?: { type: number; code: number };
}

export interface NetworkAcl {
  networkAclId: string;
  vpcId: string;
  isDefault: boolean;
  entries: NaclEntry[];
  subnetIds: string[];
  tags: Tags;
}

export interface SecurityGroupRule {
  securityGroupRuleId: string;
  groupId: string;
  isEgress: boolean;
  /** "-1", "tcp", "udp", "icmp", "icmpv6" or a protocol number. */
  ipProtocol: string;
  fromPort: number;
  toPort: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  referencedGroupId?: string;
  description?: string;
  tags: Tags;
}

export interface SecurityGroup {
  groupId: string;
  groupName: string;
  description: string;
  vpcId: string;
  tags: Tags;
}

export interface NetworkInterface {
  networkInterfaceId: string;
  vpcId: string;
  subnetId: string;
  availabilityZone: string;
  description: string;
  macAddress: string;
  privateIpAddress: string;
  instanceId?: string;
  deviceIndex: number;
  attachTime: string;
  groupIds: string[];
  tags: Tags;
}

export interface Instance {
  instanceId: string;
  vpcId: string;
  subnetId: string;
}

export interface Vpc {
  vpcId: string;
  cidrBlock: string;
  ipv6CidrBlock?: string;
}

export interface Ec2State {
  accountId: string;
  region: string;
  vpcs: Map<string, Vpc>;
  networkAcls: Map<string, NetworkAcl>;
  securityGroups: Map<string, SecurityGroup>;
  securityGroupRules: Map<string, SecurityGroupRule>;
  networkInterfaces: Map<string, NetworkInterface>;
  instances: Map<string, Instance>;
  /** Monotonic counter behind generated ids, so ids are stable across runs. */
  nextId: number;
}

/** A fresh, deterministic EC2-style id ("sgr-" + 17 hex digits). */
export function newId(state: Ec2State, prefix: string): string {
  state.nextId += 1;
  return `${prefix}-${state.nextId.toString(16).padStart(17, '0')}`;
}

export function tagsFrom(record: Record<string, string> | undefined): Tags {
  return new Map(Object.entries(record ?? {}));
}

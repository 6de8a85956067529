import type { QueryParams } from './query.ts';
import type { Ec2State } from './state.ts';
import type { XmlValue } from './xml.ts';

/** Real EC2 quotas the simulator enforces; each can be lowered per test through `quotas`. */
export interface Ec2Quotas {
  /** Entries per network ACL per direction per address family, including the default deny (20; max 40). */
  naclEntriesPerDirection: number;
  /** Inbound or outbound rules per security group, per address family (60). */
  rulesPerSecurityGroup: number;
  /** Security groups per network interface (5, adjustable to 16). */
  securityGroupsPerInterface: number;
}

export const defaultQuotas: Ec2Quotas = {
  naclEntriesPerDirection: 20,
  rulesPerSecurityGroup: 60,
  securityGroupsPerInterface: 5,
};

export interface OpContext {
  state: Ec2State;
  params: QueryParams;
  quotas: Ec2Quotas;
  /** Throws DryRunOperation when the request asked for a dry run. Call after validation, before any change. */
  gate(): void;
}

export type OpHandler = (ctx: OpContext) => { [element: string]: XmlValue };

import type { NormalizedRule } from '../connectors/types.ts';
import { parseCidr } from '../net/cidr.ts';
import { ALL_PORTS, type PortSet, portSetFromRanges } from './port-set.ts';

/** The protocols a box lives in; `all` in a rule spreads over every one of them. */
export const PROTOCOL_KEYS = ['tcp', 'udp', 'icmp', 'other'] as const;
export type ProtocolKey = (typeof PROTOCOL_KEYS)[number];

/**
 * One (address block × port set) rectangle of a rule, inside one address space and protocol.
 * `space` is "ipv4", "ipv6", or "group:<name>" for rules that match a source group (an SG reference,
 * a GCP tag, an Azure ASG): a group is a single point in its own space.
 */
export interface Box {
  space: string;
  protocol: ProtocolKey;
  network: bigint;
  prefix: number;
  ports: PortSet;
  /** `${space}|${protocol}`: which trie the box lives in (computed once). */
  trie: string;
}

/** Every box of a rule: its CIDRs (and source group) × its protocols × its ports. Empty when it matches nothing. */
export function boxesOf(rule: NormalizedRule): Box[] {
  const protocols: readonly ProtocolKey[] = rule.protocol === 'all' ? PROTOCOL_KEYS : [rule.protocol];
  const blocks: { space: string; network: bigint; prefix: number }[] = rule.cidrs.map((text) => {
    const cidr = parseCidr(text, { hostBits: 'mask' });
    return { space: cidr.family, network: cidr.network, prefix: cidr.prefix };
  });
  if (rule.sourceGroup) blocks.push({ space: `group:${rule.sourceGroup}`, network: 0n, prefix: 0 });
  const boxes: Box[] = [];
  for (const protocol of protocols) {
    // Ports only mean something for tcp and udp rules; an "all" rule matches every port of every protocol.
    const ports = (rule.protocol === 'tcp' || rule.protocol === 'udp') && rule.ports.length ? portSetFromRanges(rule.ports) : ALL_PORTS;
    for (const block of blocks) boxes.push({ ...block, protocol, ports, trie: `${block.space}|${protocol}` });
  }
  return boxes;
}

/** Address bits of a space (groups use a one-node IPv4-sized space). */
export function spaceBits(space: string): number {
  return space === 'ipv6' ? 128 : 32;
}

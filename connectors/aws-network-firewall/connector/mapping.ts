import type { MatchAttributes, StatelessRule } from '@aws-sdk/client-network-firewall';
import type { NormalizedRule, Protocol } from '../../../src/connectors/types.ts';
import { familyOfText } from '../../../src/net/index.ts';
import type { NfwTarget } from '../config.ts';

/**
 * Stateless rules ↔ normalized rules. A stateless rule has no description or tag, so ownership inside
 * the (tagged) rule group is the priority band, as with network ACL rule numbers. The remote side is
 * Sources for ingress and Destinations for egress; ports are destination ports, as in a network ACL.
 */
const PROTOCOL_NUMBER = { tcp: 6, udp: 17 } as const;
const FROM_NUMBER: Record<number, Protocol> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmp' };

export const ACTION = { deny: 'aws:drop', allow: 'aws:pass' } as const;

export function inBand(target: NfwTarget, priority: number): boolean {
  return priority >= target.priorityBand.from && priority <= target.priorityBand.to;
}

export const nfwCloudId = (priority: number) => `priority:${priority}`;

export function priorityOfCloudId(cloudId: string | undefined): number | undefined {
  const match = /^priority:(\d+)$/.exec(cloudId ?? '');
  return match ? Number(match[1]) : undefined;
}

const addresses = (list: MatchAttributes['Sources']) => (list ?? []).map((a) => a.AddressDefinition ?? '').filter(Boolean);

/** Which standard action decides the packet (custom actions only publish metrics beside it). */
function standardAction(actions: string[] | undefined): string {
  return (actions ?? []).find((a) => a.startsWith('aws:')) ?? 'aws:forward_to_sfe';
}

export function statelessRuleToNormalized(target: NfwTarget, marker: string, rule: StatelessRule): NormalizedRule {
  const priority = rule.Priority ?? 0;
  const m = rule.RuleDefinition?.MatchAttributes ?? {};
  const sources = addresses(m.Sources);
  const destinations = addresses(m.Destinations);
  // A rule that names destinations only filters traffic to them (egress); anything else is read by its sources.
  const egress = destinations.length > 0 && sources.length === 0;
  const cidrs = egress ? destinations : sources.length > 0 ? sources : ['0.0.0.0/0', '::/0'];
  const protocols = m.Protocols ?? [];
  const protocol: Protocol = protocols.length === 1 ? (FROM_NUMBER[protocols[0] ?? -1] ?? 'all') : 'all';
  const ports = (protocol === 'tcp' || protocol === 'udp' ? (m.DestinationPorts ?? []) : [])
    .map((p) => ({ from: p.FromPort ?? 0, to: p.ToPort ?? 65_535 }))
    .filter((p) => !(p.from === 0 && p.to === 65_535));
  const action = standardAction(rule.RuleDefinition?.Actions);
  const owned = inBand(target, priority);
  const notes: string[] = [];
  if (action === 'aws:forward_to_sfe') notes.push('forwarded to the stateful engine (neither passed nor dropped here)');
  if (!egress && destinations.length > 0) notes.push(`to ${destinations.join(', ')}`);
  if (protocols.length > 1) notes.push(`protocols ${protocols.join(', ')}`);
  const description = owned ? `${marker}: stateless rule ${priority}` : notes.length ? notes.join('; ') : undefined;
  return {
    direction: egress ? 'egress' : 'ingress',
    action: action === 'aws:drop' ? 'deny' : 'allow',
    protocol,
    ports,
    cidrs,
    priority,
    placement: 'nfw',
    cloudId: nfwCloudId(priority),
    owned,
    ...(description ? { description } : {}),
  };
}

/** The stateless rule portcullis writes for a normalized rule, at the given priority. */
export function normalizedToStatelessRule(rule: NormalizedRule, priority: number): StatelessRule {
  const list = rule.cidrs.map((c) => ({ AddressDefinition: c }));
  const icmp = familyOfText(rule.cidrs[0] ?? '') === 'ipv6' ? 58 : 1;
  const protocols = rule.protocol === 'all' ? [] : [rule.protocol === 'icmp' ? icmp : PROTOCOL_NUMBER[rule.protocol]];
  const match: MatchAttributes = {
    ...(rule.direction === 'ingress' ? { Sources: list } : { Destinations: list }),
    ...(protocols.length > 0 ? { Protocols: protocols } : {}),
    ...(rule.ports.length > 0 ? { DestinationPorts: rule.ports.map((p) => ({ FromPort: p.from, ToPort: p.to })) } : {}),
  };
  return { Priority: priority, RuleDefinition: { MatchAttributes: match, Actions: [ACTION[rule.action]] } };
}

/** Capacity units one stateless rule uses: the product of its match settings' sizes (1 when a setting is empty). */
export function ruleCapacity(rule: StatelessRule): number {
  const m = rule.RuleDefinition?.MatchAttributes ?? {};
  return [m.Sources, m.Destinations, m.SourcePorts, m.DestinationPorts, m.Protocols, m.TCPFlags].reduce<number>(
    (product, setting) => product * Math.max(1, setting?.length ?? 0),
    1,
  );
}

/** Whether a stateless rule is exactly what portcullis would write for the normalized rule (same match, same CIDR set). */
export function sameRule(existing: StatelessRule, rule: NormalizedRule): boolean {
  const wanted = normalizedToStatelessRule(rule, existing.Priority ?? 0);
  const key = (r: StatelessRule) => {
    const m = r.RuleDefinition?.MatchAttributes ?? {};
    return JSON.stringify([
      addresses(m.Sources).sort(),
      addresses(m.Destinations).sort(),
      m.Protocols ?? [],
      (m.DestinationPorts ?? []).map((p) => [p.FromPort, p.ToPort]),
      (m.SourcePorts ?? []).length,
      (m.TCPFlags ?? []).length,
      standardAction(r.RuleDefinition?.Actions),
    ]);
  };
  return key(existing) === key(wanted);
}

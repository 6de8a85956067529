import type { SecurityRule } from '@azure/arm-network';
import { isAdoptedDescription, type NormalizedRule, type PortRange, type Protocol } from '../../src/connectors/types.ts';
import { canonicalOrUndefined } from './cidr.ts';
import { isOwnedName, isQuarantineName } from './names.ts';

/** Azure keeps at most 140 characters of description. */
export const MAX_DESCRIPTION_LENGTH = 140;
const INTENTS_MARKER = 'portcullis intents:';

const toAzureProtocol: Record<Protocol, string> = { tcp: 'Tcp', udp: 'Udp', icmp: 'Icmp', all: '*' };

function fromAzureProtocol(protocol: string | undefined): Protocol {
  switch (protocol?.toLowerCase()) {
    case 'tcp':
      return 'tcp';
    case 'udp':
      return 'udp';
    case 'icmp':
      return 'icmp';
    default:
      // '*', and Esp/Ah (which have no neutral form): read-only foreign rules, so 'all' is the safe reading.
      return 'all';
  }
}

function portText(range: PortRange): string {
  return range.from === range.to ? String(range.from) : `${range.from}-${range.to}`;
}

function parsePort(text: string): PortRange | undefined {
  if (text === '*') return undefined;
  const [from, to] = text.split('-').map((part) => Number(part.trim()));
  if (from === undefined || Number.isNaN(from)) return undefined;
  return { from, to: to === undefined || Number.isNaN(to) ? from : to };
}

/** The description written on owned rules: the caller's text, or the intent ids when they fit. */
export function ownedDescription(rule: NormalizedRule): string {
  if (rule.description) return rule.description.slice(0, MAX_DESCRIPTION_LENGTH);
  const withIntents = `${INTENTS_MARKER}${(rule.intentIds ?? []).join(',')}`;
  return withIntents.length <= MAX_DESCRIPTION_LENGTH ? withIntents : 'managed by portcullis';
}

/** The SDK body (flattened SecurityRule) for an owned rule. */
export function toSecurityRule(rule: NormalizedRule): SecurityRule {
  const ports = rule.ports;
  const remote: Partial<SecurityRule> = {};
  const ingress = rule.direction === 'ingress';
  if (rule.sourceGroup) {
    remote.sourceApplicationSecurityGroups = [{ id: rule.sourceGroup }];
  } else if (rule.cidrs.length === 1) {
    remote[ingress ? 'sourceAddressPrefix' : 'destinationAddressPrefix'] = rule.cidrs[0];
  } else {
    remote[ingress ? 'sourceAddressPrefixes' : 'destinationAddressPrefixes'] = [...rule.cidrs];
  }
  const local: Partial<SecurityRule> = ingress ? { destinationAddressPrefix: '*' } : { sourceAddressPrefix: '*' };
  return {
    description: ownedDescription(rule),
    protocol: toAzureProtocol[rule.protocol],
    access: rule.action === 'allow' ? 'Allow' : 'Deny',
    direction: ingress ? 'Inbound' : 'Outbound',
    priority: rule.priority,
    sourcePortRange: '*',
    ...(ports.length === 0
      ? { destinationPortRange: '*' }
      : ports.length === 1 && ports[0]
        ? { destinationPortRange: portText(ports[0]) }
        : { destinationPortRanges: ports.map(portText) }),
    ...local,
    ...remote,
  };
}

function prefixesOf(single: string | undefined, many: string[] | undefined): string[] {
  if (many && many.length > 0) return many;
  return single ? [single] : [];
}

/** Reads any security rule (owned or not) into the neutral form. */
export function fromSecurityRule(rule: SecurityRule, namePrefix: string): NormalizedRule {
  const ingress = rule.direction === 'Inbound';
  const remote = ingress
    ? prefixesOf(rule.sourceAddressPrefix, rule.sourceAddressPrefixes)
    : prefixesOf(rule.destinationAddressPrefix, rule.destinationAddressPrefixes);
  const cidrs: string[] = [];
  const tags: string[] = [];
  for (const prefix of remote) {
    const canonical = canonicalOrUndefined(prefix);
    if (canonical) cidrs.push(canonical);
    else if (prefix === '*' || prefix.toLowerCase() === 'internet') cidrs.push('0.0.0.0/0', '::/0');
    else tags.push(prefix);
  }
  const asgs = (ingress ? rule.sourceApplicationSecurityGroups : rule.destinationApplicationSecurityGroups) ?? [];
  const sourceGroup = asgs[0]?.id ?? (tags[0] ? `tag:${tags[0]}` : undefined);
  const portTexts = prefixesOf(rule.destinationPortRange, rule.destinationPortRanges);
  const ports = portTexts.map(parsePort).filter((p): p is PortRange => p !== undefined);
  const name = rule.name ?? '';
  // Quarantine rules are reported as not owned so the reconciler never deletes them as drift. An adopted
  // rule keeps its foreign name and carries the adoption marker in its description.
  const owned = (isOwnedName(name, namePrefix) || isAdoptedDescription(rule.description)) && !isQuarantineName(name, namePrefix);
  const intentIds = rule.description?.startsWith(INTENTS_MARKER)
    ? rule.description.slice(INTENTS_MARKER.length).split(',').filter(Boolean)
    : undefined;
  return {
    direction: ingress ? 'ingress' : 'egress',
    action: rule.access === 'Allow' ? 'allow' : 'deny',
    protocol: fromAzureProtocol(rule.protocol),
    ports,
    cidrs: [...new Set(cidrs)],
    priority: rule.priority ?? 0,
    placement: 'nsg',
    cloudId: name,
    owned,
    ...(sourceGroup ? { sourceGroup } : {}),
    ...(intentIds && intentIds.length > 0 ? { intentIds } : {}),
    ...(rule.description ? { description: rule.description } : {}),
  };
}

/** Explicit address prefixes a rule holds on each side (what Azure's 4,000-per-NSG limit counts). */
export function countPrefixes(rule: SecurityRule): { source: number; destination: number } {
  const explicit = (list: string[]) => list.filter((p) => canonicalOrUndefined(p) !== undefined).length;
  return {
    source: explicit(prefixesOf(rule.sourceAddressPrefix, rule.sourceAddressPrefixes)),
    destination: explicit(prefixesOf(rule.destinationAddressPrefix, rule.destinationAddressPrefixes)),
  };
}

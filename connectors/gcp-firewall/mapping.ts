/** Normalized rules to and from compute v1 `Firewall` resources. */

import type { compute_v1 } from '@googleapis/compute';
import { isAdoptedDescription, type NormalizedRule, type PortRange, type Protocol } from '../../src/connectors/types.ts';
import { canonicalCidr } from './cidr.ts';
import { isQuarantineRuleName } from './names.ts';

export type Firewall = compute_v1.Schema$Firewall;
type ProtocolEntry = { IPProtocol?: string | null; ports?: string[] | null };

export const DEFAULT_DESCRIPTION = 'managed by portcullis';
const INTENTS_SUFFIX = /\s*\[intents: ([^\]]*)\]$/;
/** GCP's limit on a firewall description. */
const MAX_DESCRIPTION = 2048;

/** Partial network URL; GCP accepts it on write and answers with the full URL. */
export function networkPath(project: string, network: string): string {
  return `projects/${project}/global/networks/${network}`;
}

export function networkNameOf(url: string | null | undefined): string | undefined {
  return url?.split('/').at(-1);
}

/** Carries the intent ids in the description where there is room, so `list` can return them. */
export function encodeDescription(rule: NormalizedRule): string {
  const text = rule.description?.replace(INTENTS_SUFFIX, '') || DEFAULT_DESCRIPTION;
  if (!rule.intentIds?.length) return text.slice(0, MAX_DESCRIPTION);
  const withIntents = `${text} [intents: ${rule.intentIds.join(',')}]`;
  return withIntents.length <= MAX_DESCRIPTION ? withIntents : text.slice(0, MAX_DESCRIPTION);
}

function decodeDescription(description: string | null | undefined): { text?: string; intentIds?: string[] } {
  if (!description) return {};
  const match = INTENTS_SUFFIX.exec(description);
  if (!match) return { text: description };
  const intentIds = (match[1] ?? '').split(',').filter(Boolean);
  return { text: description.replace(INTENTS_SUFFIX, ''), intentIds };
}

function formatPorts(ports: PortRange[]): string[] {
  return ports.map((p) => (p.from === p.to ? `${p.from}` : `${p.from}-${p.to}`));
}

function parsePorts(ports: string[] | null | undefined): PortRange[] {
  return (ports ?? []).map((text) => {
    const [from, to] = text.split('-').map(Number);
    return { from: from ?? 0, to: to ?? from ?? 0 };
  });
}

const PROTOCOLS: Record<string, Protocol> = { tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp', icmp: 'icmp', '1': 'icmp', all: 'all' };

/** The Firewall body for a normalized rule (the whole rule: used for insert and for PUT update). */
export function toFirewall(rule: NormalizedRule, name: string, project: string, network: string): Firewall {
  const entry: { IPProtocol: string; ports?: string[] } = { IPProtocol: rule.protocol };
  if ((rule.protocol === 'tcp' || rule.protocol === 'udp') && rule.ports.length > 0) {
    entry.ports = formatPorts(rule.ports);
  }
  const firewall: Firewall = {
    name,
    network: networkPath(project, network),
    direction: rule.direction === 'ingress' ? 'INGRESS' : 'EGRESS',
    priority: rule.priority,
    description: encodeDescription(rule),
  };
  if (rule.action === 'allow') firewall.allowed = [entry];
  else firewall.denied = [entry];
  if (rule.direction === 'ingress') {
    if (rule.cidrs.length > 0) firewall.sourceRanges = [...rule.cidrs];
    if (rule.sourceGroup) firewall.sourceTags = [rule.sourceGroup];
  } else if (rule.cidrs.length > 0) {
    firewall.destinationRanges = [...rule.cidrs];
  }
  return firewall;
}

/**
 * A GCP firewall as normalized rules: one per protocol entry (GCP allows several in one rule; the
 * rules portcullis writes always have one). Extra entries of a foreign rule get the cloudId
 * "name#1", "name#2"... so cloud ids stay unique; only owned rules (one entry, plain name) are changed. Quarantine rules carry the prefix but are managed by
 * quarantine/release, not by the reconciler, so they are reported as not owned.
 */
export function fromFirewall(firewall: Firewall, prefix: string): NormalizedRule[] {
  const name = firewall.name ?? '';
  const ingress = firewall.direction !== 'EGRESS';
  const action = firewall.denied?.length ? 'deny' : 'allow';
  const entries: ProtocolEntry[] = (action === 'deny' ? firewall.denied : firewall.allowed) ?? [];
  const ranges = (ingress ? firewall.sourceRanges : firewall.destinationRanges) ?? [];
  // An adopted rule keeps its foreign name (GCP names are immutable) and carries the marker in its description.
  const owned = (name.startsWith(prefix) || (isAdoptedDescription(firewall.description ?? undefined) && entries.length === 1)) && !isQuarantineRuleName(prefix, name);
  const { text, intentIds } = decodeDescription(firewall.description);
  return entries.map((entry, index) => {
    const rule: NormalizedRule = {
      direction: ingress ? 'ingress' : 'egress',
      action,
      protocol: PROTOCOLS[(entry.IPProtocol ?? 'all').toLowerCase()] ?? 'all',
      ports: parsePorts(entry.ports),
      cidrs: ranges.map(canonicalCidr),
      priority: firewall.priority ?? 1000,
      placement: 'firewall',
      cloudId: index === 0 ? name : `${name}#${index}`,
      owned,
    };
    const sourceTag = ingress ? firewall.sourceTags?.[0] : undefined;
    if (sourceTag) rule.sourceGroup = sourceTag;
    if (text !== undefined) rule.description = text;
    if (owned && intentIds?.length) rule.intentIds = intentIds;
    return rule;
  });
}

const sortedRanges = (ranges: string[] | null | undefined) => (ranges ?? []).map(canonicalCidr).sort();
const entryKey = (entries: ProtocolEntry[] | null | undefined) =>
  JSON.stringify((entries ?? []).map((e) => [(e.IPProtocol ?? '').toLowerCase(), [...(e.ports ?? [])].sort()]));

/** Whether a firewall read from GCP enforces what `desired` describes (used to confirm 409 and quarantine rules). */
export function sameEffect(desired: Firewall, actual: Firewall): boolean {
  return (
    (desired.direction ?? 'INGRESS') === (actual.direction ?? 'INGRESS') &&
    (desired.priority ?? 1000) === (actual.priority ?? 1000) &&
    networkNameOf(desired.network) === networkNameOf(actual.network) &&
    entryKey(desired.allowed) === entryKey(actual.allowed) &&
    entryKey(desired.denied) === entryKey(actual.denied) &&
    JSON.stringify(sortedRanges(desired.sourceRanges)) === JSON.stringify(sortedRanges(actual.sourceRanges)) &&
    JSON.stringify(sortedRanges(desired.destinationRanges)) === JSON.stringify(sortedRanges(actual.destinationRanges)) &&
    JSON.stringify([...(desired.sourceTags ?? [])].sort()) === JSON.stringify([...(actual.sourceTags ?? [])].sort()) &&
    JSON.stringify([...(desired.targetTags ?? [])].sort()) === JSON.stringify([...(actual.targetTags ?? [])].sort()) &&
    Boolean(desired.disabled) === Boolean(actual.disabled)
  );
}

/** What the simulated API accepts as a Firewall body (400 with GCP's field paths otherwise). */

import type { IpFamily } from '../../../src/net/index.ts';
import { readRange } from '../cidr.ts';
import { invalidField, requiredField, SimulatedApiError } from './envelope.ts';
import type { Firewall } from './state.ts';

const NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const PROTOCOLS = new Set(['tcp', 'udp', 'icmp', 'esp', 'ah', 'sctp', 'ipip', 'all']);
const PORTED = new Set(['tcp', 'udp', 'sctp', '6', '17', '132']);

export interface RuleQuotas {
  sourceRangesPerRule: number;
  destinationRangesPerRule: number;
}

function checkEntries(field: 'allowed' | 'denied', entries: Firewall['allowed']): void {
  (entries ?? []).forEach((entry, i) => {
    const protocol = entry.IPProtocol?.toLowerCase();
    if (!protocol) throw requiredField(`resource.${field}[${i}].IPProtocol`);
    const numeric = /^\d+$/.test(protocol) && Number(protocol) <= 255;
    if (!PROTOCOLS.has(protocol) && !numeric) {
      throw invalidField(`resource.${field}[${i}].IPProtocol`, entry.IPProtocol, 'Unknown protocol.');
    }
    (entry.ports ?? []).forEach((port, j) => {
      const path = `resource.${field}[${i}].ports[${j}]`;
      if (!PORTED.has(protocol)) throw invalidField(path, port, 'Ports may only be specified for TCP, UDP and SCTP.');
      const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(port);
      const from = Number(match?.[1]);
      const to = Number(match?.[2] ?? match?.[1]);
      if (!match || from > 65535 || to > 65535 || from > to) throw invalidField(path, port, 'Invalid port or port range.');
    });
  });
}

function checkRanges(field: string, ranges: string[] | null | undefined, max: number): void {
  if (!ranges) return;
  if (ranges.length > max) {
    // The answer compute gives a too-long list (terraform-provider-google#1417 for sourceServiceAccounts).
    throw new SimulatedApiError({
      status: 413,
      reason: 'fieldSizeTooLarge',
      message: `Value for field 'resource.${field}' is too large: maximum size ${max} element(s); actual size ${ranges.length}.`,
    });
  }
  const families = new Set<IpFamily>();
  ranges.forEach((range, i) => {
    const parsed = readRange(range);
    if (!parsed) throw invalidField(`resource.${field}[${i}]`, range, 'Must be a valid IPV4 or IPV6 CIDR range.');
    families.add(parsed.family);
  });
  if (families.size > 1) {
    throw invalidField(`resource.${field}`, ranges.join(','), 'IPv4 and IPv6 ranges cannot be mixed in one firewall rule.');
  }
}

function checkTags(field: string, tags: string[] | null | undefined): void {
  (tags ?? []).forEach((tag, i) => {
    if (!NAME.test(tag)) throw invalidField(`resource.${field}[${i}]`, tag, 'Must be a match of regex (?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)');
  });
}

/** Validates a complete Firewall as it would be stored. */
export function checkFirewall(body: Firewall, quotas: RuleQuotas): void {
  if (!body.name) throw requiredField('resource.name');
  if (!NAME.test(body.name)) {
    throw invalidField('resource.name', body.name, 'Must be a match of regex (?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)');
  }
  if (body.direction && body.direction !== 'INGRESS' && body.direction !== 'EGRESS') {
    throw invalidField('resource.direction', body.direction, 'Must be INGRESS or EGRESS.');
  }
  const priority = body.priority ?? 1000;
  if (!Number.isInteger(priority) || priority < 0 || priority > 65535) {
    throw invalidField('resource.priority', priority, 'Must be between 0 and 65535.');
  }
  const hasAllowed = (body.allowed?.length ?? 0) > 0;
  const hasDenied = (body.denied?.length ?? 0) > 0;
  if (hasAllowed && hasDenied) {
    throw new SimulatedApiError({ status: 400, reason: 'invalid', message: "Invalid value for field 'resource': only one of allowed or denied may be set." });
  }
  if (!hasAllowed && !hasDenied) throw requiredField('resource.allowed');
  checkEntries('allowed', body.allowed);
  checkEntries('denied', body.denied);
  if (body.direction === 'EGRESS' && (body.sourceTags?.length ?? 0) > 0) {
    throw invalidField('resource.sourceTags', body.sourceTags, 'Source tags cannot be specified for EGRESS firewall rules.');
  }
  checkRanges('sourceRanges', body.sourceRanges, quotas.sourceRangesPerRule);
  checkRanges('destinationRanges', body.destinationRanges, quotas.destinationRangesPerRule);
  checkTags('sourceTags', body.sourceTags);
  checkTags('targetTags', body.targetTags);
  if ((body.description?.length ?? 0) > 2048) {
    throw invalidField('resource.description', `${body.description?.slice(0, 20)}...`, 'Must be at most 2048 characters.');
  }
}

/** A network given as a name, a partial URL or a full URL: its project and name. */
export function parseNetworkRef(ref: string | null | undefined, project: string): { project: string; name: string } {
  if (!ref) return { project, name: 'default' };
  const match = /(?:^|\/)projects\/([^/]+)\/global\/networks\/([^/]+)$/.exec(ref);
  if (match) return { project: match[1] ?? project, name: match[2] ?? '' };
  if (/^global\/networks\/[^/]+$/.test(ref)) return { project, name: ref.split('/').at(-1) ?? '' };
  // A bare name is not a URL: compute refuses it (GoogleCloudPlatform/google-cloud-powershell#458).
  throw invalidField('resource.network', ref, 'The URL is malformed.');
}

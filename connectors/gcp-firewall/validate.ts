/** Checks a normalized rule against GCP's rules and the target's config before any cloud call. */

import { isAdoptedDescription, type NormalizedRule } from '../../src/connectors/types.ts';
import { formatCidr, hasHostBits, type IpFamily } from '../../src/net/index.ts';
import { readRange } from './cidr.ts';
import type { GcpTarget } from './config.ts';
import { GCP_NAME_PATTERN, isQuarantineRuleName, isValidGcpName } from './names.ts';

const MAX_DESCRIPTION = 2048;

export function validateRule(target: GcpTarget, prefix: string, rule: NormalizedRule): string[] {
  const problems: string[] = [];
  if (rule.placement !== 'firewall') {
    problems.push(`placement "${rule.placement}" does not exist on GCP; use "firewall"`);
  }
  if (rule.direction !== 'ingress' && rule.direction !== 'egress') {
    problems.push(`direction must be ingress or egress, not "${String(rule.direction)}"`);
  }
  if (rule.action !== 'allow' && rule.action !== 'deny') {
    problems.push(`action must be allow or deny, not "${String(rule.action)}"`);
  }
  // An adopted rule keeps its priority and name: moving it into the band would change its order.
  const adopted = isAdoptedDescription(rule.description);
  if (!adopted) problems.push(...validatePriority(target, rule.priority));
  problems.push(...validatePorts(rule));
  problems.push(...validateRanges(target, rule));
  if (rule.sourceGroup !== undefined) {
    if (rule.direction === 'egress') problems.push('a source group (GCP source tag) cannot be used on an egress rule');
    if (!isValidGcpName(rule.sourceGroup)) {
      problems.push(`source tag "${rule.sourceGroup}" must match ${GCP_NAME_PATTERN.source} and be at most 63 characters`);
    }
  }
  if (rule.cidrs.length === 0 && rule.sourceGroup === undefined) {
    problems.push('a rule needs at least one CIDR (or, for ingress, a source group)');
  }
  if (rule.cloudId !== undefined) {
    if (!isValidGcpName(rule.cloudId)) {
      problems.push(`rule name "${rule.cloudId}" must be 1-63 characters matching ${GCP_NAME_PATTERN.source}`);
    } else if ((!adopted && !rule.cloudId.startsWith(prefix)) || isQuarantineRuleName(prefix, rule.cloudId)) {
      problems.push(`rule "${rule.cloudId}" is not owned by portcullis (its name does not start with "${prefix}")`);
    }
  }
  if ((rule.description?.length ?? 0) > MAX_DESCRIPTION) {
    problems.push(`description is longer than GCP's ${MAX_DESCRIPTION} characters`);
  }
  return problems;
}

function validatePriority(target: GcpTarget, priority: number): string[] {
  const { from, to } = target.priorityBand;
  if (!Number.isInteger(priority) || priority < from || priority > to) {
    return [`priority ${priority} is outside the band ${from}-${to} configured for target ${target.id}`];
  }
  return [];
}

function validatePorts(rule: NormalizedRule): string[] {
  const problems: string[] = [];
  if (rule.protocol !== 'tcp' && rule.protocol !== 'udp' && rule.protocol !== 'icmp' && rule.protocol !== 'all') {
    problems.push(`protocol must be tcp, udp, icmp or all, not "${String(rule.protocol)}"`);
  }
  if (rule.ports.length > 0 && rule.protocol !== 'tcp' && rule.protocol !== 'udp') {
    problems.push(`ports only apply to tcp and udp, not to ${rule.protocol}`);
  }
  for (const { from, to } of rule.ports) {
    const inRange = (p: number) => Number.isInteger(p) && p >= 0 && p <= 65535;
    if (!inRange(from) || !inRange(to)) problems.push(`port range ${from}-${to} is outside 0-65535`);
    else if (from > to) problems.push(`port range ${from}-${to} starts after it ends`);
  }
  return problems;
}

function validateRanges(target: GcpTarget, rule: NormalizedRule): string[] {
  const problems: string[] = [];
  const families = new Set<IpFamily>();
  for (const cidr of rule.cidrs) {
    const parsed = readRange(cidr);
    if (!parsed) {
      problems.push(`"${cidr}" is not a valid IPv4 or IPv6 CIDR`);
      continue;
    }
    families.add(parsed.family);
    const canonical = formatCidr(parsed);
    if (hasHostBits(cidr.trim())) problems.push(`"${cidr}" has host bits set; use ${canonical}`);
    else if (canonical !== cidr) problems.push(`"${cidr}" is not canonical; use ${canonical}`);
    if (parsed.family === 'ipv6' && !target.ipv6) problems.push(`"${cidr}" is IPv6 but target ${target.id} is IPv4-only`);
  }
  if (families.size > 1) problems.push('a GCP firewall rule holds IPv4 or IPv6 ranges, never both: split the rule by address family');
  if (rule.cidrs.length > target.maxSourceRangesPerRule) {
    problems.push(`${rule.cidrs.length} ranges exceed the ${target.maxSourceRangesPerRule} per rule configured for target ${target.id}`);
  }
  if (new Set(rule.cidrs).size !== rule.cidrs.length) problems.push('the same range is listed twice');
  return problems;
}

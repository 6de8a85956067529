import { type ConnectorLimits, isAdoptedDescription, type NormalizedRule } from '../../src/connectors/types.ts';
import { hasHostBits } from '../../src/net/index.ts';
import { readAddressPrefix } from './cidr.ts';
import type { AzureNsgTarget } from './config.ts';
import { QUARANTINE_PRIORITIES } from './config.ts';
import { MAX_DESCRIPTION_LENGTH } from './mapping.ts';
import { isOwnedName, isValidRuleName, slotRuleName } from './names.ts';

/** Azure's documented limits per NSG (MicrosoftDocs azure-virtual-network-limits). */
export const AZURE_RULES_PER_NSG = 1000;
export const AZURE_PREFIXES_PER_NSG = 4000;

const ASG_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/applicationSecurityGroups\/[^/]+$/i;

/** The band the reconciler may use: the configured band minus the quarantine priorities at its top. */
export function ruleBand(target: AzureNsgTarget): { from: number; to: number } {
  return { from: target.priorityBand.from + QUARANTINE_PRIORITIES, to: target.priorityBand.to };
}

export function targetLimits(target: AzureNsgTarget): ConnectorLimits {
  const band = ruleBand(target);
  return {
    supportsDeny: true,
    supportsIpv6: target.ipv6,
    // Azure counts 1,000 rules per NSG across both directions; the quarantine rules take up to four.
    maxRulesPerDirection: Math.min(band.to - band.from + 1, Math.floor((AZURE_RULES_PER_NSG - 4) / 2)),
    maxPrefixesPerRule: AZURE_PREFIXES_PER_NSG,
    maxPrefixesPerTarget: AZURE_PREFIXES_PER_NSG,
    priorityBand: band,
    // ResourceCannotContainAddressPrefixesFromDifferentAddressFamilies: one family per rule.
    mixesAddressFamilies: false,
  };
}

/** Every reason Azure (or the target's configuration) would refuse this rule; empty when it is fine. */
export function validateRule(target: AzureNsgTarget, rule: NormalizedRule, namePrefix: string): string[] {
  const problems: string[] = [];
  const where = `target ${target.id} (NSG ${target.nsgName})`;
  if (rule.placement !== 'nsg') problems.push(`placement "${rule.placement}" is not available on Azure; use "nsg"`);
  const band = ruleBand(target);
  // An adopted rule keeps the priority (and name) it had: moving it into the band would change its order.
  const adopted = isAdoptedDescription(rule.description);
  if (!Number.isInteger(rule.priority) || (!adopted && (rule.priority < band.from || rule.priority > band.to))) {
    problems.push(`priority ${rule.priority} is outside the band ${band.from}..${band.to} of ${where}`);
  }
  problems.push(...validateAddresses(target, rule, where));
  problems.push(...validatePorts(rule));
  if (rule.description && rule.description.length > MAX_DESCRIPTION_LENGTH) {
    problems.push(`description is ${rule.description.length} characters; Azure keeps at most ${MAX_DESCRIPTION_LENGTH}`);
  }
  const name = rule.cloudId ?? slotRuleName(namePrefix, rule.direction, rule.priority);
  if (!isValidRuleName(name)) {
    problems.push(
      `rule name "${name}" is not valid on Azure (1-80 characters, letters, digits, '_', '.', '-', starting with a letter, digit or '_' and ending with a letter, digit or '_')`,
    );
  }
  if (rule.cloudId && !adopted && !isOwnedName(rule.cloudId, namePrefix)) {
    problems.push(`rule "${rule.cloudId}" does not carry the ownership prefix "${namePrefix}"; it is never changed`);
  }
  return problems;
}

function validateAddresses(target: AzureNsgTarget, rule: NormalizedRule, where: string): string[] {
  const problems: string[] = [];
  if (rule.sourceGroup) {
    if (rule.direction !== 'ingress') problems.push('sourceGroup is only supported on ingress rules');
    if (!ASG_ID.test(rule.sourceGroup)) {
      problems.push(`sourceGroup "${rule.sourceGroup}" is not an application security group resource id`);
    }
    if (rule.cidrs.length > 0) problems.push('a rule takes either cidrs or a sourceGroup, not both');
    return problems;
  }
  if (rule.cidrs.length === 0) problems.push('a rule needs at least one CIDR (or a sourceGroup)');
  if (rule.cidrs.length > AZURE_PREFIXES_PER_NSG) {
    problems.push(`${rule.cidrs.length} prefixes in one rule; Azure allows ${AZURE_PREFIXES_PER_NSG} per NSG side`);
  }
  const families = new Set<string>();
  for (const text of rule.cidrs) {
    const cidr = readAddressPrefix(text);
    if (!cidr || !text.includes('/')) {
      problems.push(`"${text}" is not a CIDR (expected e.g. 203.0.113.7/32 or 2001:db8::/64)`);
      continue;
    }
    if (hasHostBits(text)) problems.push(`"${text}" has host bits set; Azure rejects it as an invalid address prefix`);
    if (cidr.family === 'ipv6' && !target.ipv6) problems.push(`"${text}" is IPv6 but ${where} is IPv4-only`);
    families.add(cidr.family);
  }
  if (families.size > 1) {
    problems.push('IPv4 and IPv6 prefixes cannot share one Azure rule (split them into one rule per family)');
  }
  if (new Set(rule.cidrs).size !== rule.cidrs.length) problems.push('duplicate CIDRs in one rule');
  return problems;
}

function validatePorts(rule: NormalizedRule): string[] {
  const problems: string[] = [];
  if (rule.ports.length > 0 && (rule.protocol === 'icmp')) {
    problems.push('ports do not apply to icmp; leave ports empty');
  }
  for (const range of rule.ports) {
    const valid =
      Number.isInteger(range.from) && Number.isInteger(range.to) && range.from >= 0 && range.to <= 65535 && range.from <= range.to;
    if (!valid) problems.push(`port range ${range.from}-${range.to} is not within 0..65535 (from <= to)`);
  }
  return problems;
}

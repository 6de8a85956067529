import type { NormalizedRule } from '../../../src/connectors/types.ts';
import { formatCidr, tryParseCidr } from '../../../src/net/index.ts';
import type { NfwTarget } from '../config.ts';

/** Problems Network Firewall would reject, or that this design cannot express, found before any cloud call. */
export function validateRule(target: NfwTarget, rule: NormalizedRule): string[] {
  if (rule.placement !== 'nfw') {
    return [`placement "${rule.placement}" does not exist on an aws-network-firewall target; its rules live in placement "nfw" (stateless rules of ${target.ruleGroup})`];
  }
  const problems: string[] = [];
  if (rule.sourceGroup !== undefined) {
    problems.push(`a stateless rule matches addresses only and cannot reference a security group or tier (sourceGroup "${rule.sourceGroup}"); give CIDRs`);
  }
  if (rule.cidrs.length === 0) problems.push('a rule needs at least one CIDR');
  const families = new Set<string>();
  for (const cidr of rule.cidrs) {
    const parsed = tryParseCidr(cidr);
    if (!parsed.ok) {
      problems.push(`invalid CIDR: ${parsed.error.message}`);
      continue;
    }
    const canonical = formatCidr(parsed.cidr);
    if (canonical !== cidr) problems.push(`"${cidr}" is not in canonical form; write ${canonical}`);
    families.add(parsed.cidr.family);
    if (parsed.cidr.family === 'ipv6' && !target.ipv6) problems.push(`${cidr} is IPv6 but target "${target.id}" is configured without IPv6 (ipv6: false)`);
  }
  // ICMP is protocol 1 for IPv4 and 58 for IPv6: one rule cannot say both, so families stay apart.
  if (families.size > 1) problems.push('a rule holds IPv4 or IPv6 CIDRs, not both; split it by address family');
  for (const { from, to } of rule.ports) {
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > 65_535) problems.push(`port range ${from}-${to} is outside 0-65535`);
    else if (from > to) problems.push(`port range ${from}-${to} starts after it ends`);
  }
  if (rule.ports.length > 0 && (rule.protocol === 'all' || rule.protocol === 'icmp')) {
    problems.push(`ports apply to tcp and udp only, not to protocol "${rule.protocol}"`);
  }
  const { from, to } = target.priorityBand;
  if (!Number.isInteger(rule.priority) || rule.priority < from || rule.priority > to) {
    problems.push(`priority ${rule.priority} is outside the band ${from}-${to} that portcullis owns in rule group ${target.ruleGroup}`);
  }
  return problems;
}

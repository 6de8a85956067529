import type { NormalizedRule } from '../../src/connectors/types.ts';
import { formatCidr, tryParseCidr } from '../../src/net/cidr.ts';
import type { WafTarget } from './config.ts';

/**
 * What an IP set can be: a block (deny) of source addresses for requests reaching the protected
 * resource, one address version per set. Everything else is refused here, before any call, with a
 * sentence saying why and what would work instead.
 */
export function validateRule(target: WafTarget, rule: NormalizedRule): string[] {
  const problems: string[] = [];
  const where = `aws-wafv2 target ${target.id} (web ACL ${target.webAcl})`;
  if (rule.action !== 'deny') {
    problems.push(`${where} only blocks: a WAF IP set rule here denies addresses; allow rules (allow-ingress) need a network connector (aws-ec2 security groups, azure-nsg, gcp-firewall)`);
  }
  if (rule.placement !== 'wafv2') problems.push(`${where} holds rules in placement "wafv2", not "${rule.placement}"`);
  if (rule.direction !== 'ingress') {
    problems.push(`${where} inspects requests that reach the protected resource: it cannot block ${rule.direction} traffic (use direction ingress)`);
  }
  if (rule.protocol !== 'all' || rule.ports.length > 0) {
    problems.push(`${where} matches the source address of HTTP(S) requests only: a block cannot be limited to protocol ${rule.protocol}${rule.ports.length ? ' or to ports' : ''} (use protocol all, no ports)`);
  }
  if (rule.sourceGroup) problems.push(`${where} matches addresses only, not the source group "${rule.sourceGroup}"`);
  if (rule.cidrs.length === 0) problems.push(`${where}: an IP set rule needs at least one CIDR`);
  if (rule.cidrs.length > target.maxAddressesPerSet) {
    problems.push(`${where}: ${rule.cidrs.length} addresses exceed ${target.maxAddressesPerSet} per IP set (AWS WAF holds at most 10,000 per set)`);
  }
  const families = new Set<string>();
  for (const text of rule.cidrs) {
    const parsed = tryParseCidr(text, { mapped: 'keep' });
    if (!parsed.ok) {
      problems.push(`"${text}" is not a valid CIDR: ${parsed.error.message}`);
      continue;
    }
    if (formatCidr(parsed.cidr) !== text) problems.push(`"${text}" is not in canonical form; write ${formatCidr(parsed.cidr)}`);
    if (parsed.cidr.prefix === 0) problems.push(`"${text}": AWS WAF supports every CIDR range except /0`);
    if (parsed.cidr.family === 'ipv6' && !target.ipv6) problems.push(`"${text}" is IPv6 and target ${target.id} has ipv6: false`);
    families.add(parsed.cidr.family);
  }
  if (families.size > 1) problems.push(`${where}: one IP set holds IPv4 or IPv6 addresses, not both`);
  if (!Number.isInteger(rule.priority) || rule.priority < 1 || rule.priority > target.maxIpSets) {
    problems.push(`priority ${rule.priority} is outside the IP set slots 1-${target.maxIpSets} of target ${target.id} (the priority of a WAF rule here is its IP set's slot; see maxIpSets)`);
  }
  return problems;
}

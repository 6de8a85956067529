import type { NormalizedRule } from '../../../src/connectors/types.ts';
import { parseCanonicalCidr } from '../cidr.ts';
import type { AwsEc2Target } from '../config.ts';
import { descriptionFor } from './sg-mapping.ts';

const SG_DESCRIPTION = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]{0,255}$/;
const GROUP_ID = /^sg-[0-9a-f]{8,17}$/;

/** Problems EC2 would reject (or that would do the wrong thing), found before any cloud call. */
export function validateRule(target: AwsEc2Target, marker: string, rule: NormalizedRule): string[] {
  const problems: string[] = [];
  if (rule.placement !== 'nacl' && rule.placement !== 'sg') {
    problems.push(`placement "${rule.placement}" does not exist on AWS; use "nacl" (network ACL entries) or "sg" (security group rules)`);
    return problems;
  }
  for (const cidr of rule.cidrs) {
    const parsed = parseCanonicalCidr(cidr);
    if (typeof parsed === 'string') problems.push(`invalid CIDR: ${parsed}`);
    else if (parsed.family === 'ipv6' && !target.ipv6) {
      problems.push(`${cidr} is IPv6 but target "${target.id}" (${target.vpcId}) is configured without IPv6 (ipv6: false)`);
    }
  }
  for (const { from, to } of rule.ports) {
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > 65535) problems.push(`port range ${from}-${to} is outside 0-65535`);
    else if (from > to) problems.push(`port range ${from}-${to} starts after it ends`);
  }
  if (rule.ports.length > 0 && (rule.protocol === 'all' || rule.protocol === 'icmp')) {
    problems.push(`ports apply to tcp and udp only, not to protocol "${rule.protocol}"`);
  }
  if (rule.placement === 'nacl') validateNacl(target, rule, problems);
  else validateSg(marker, rule, problems);
  return problems;
}

function validateNacl(target: AwsEc2Target, rule: NormalizedRule, problems: string[]): void {
  const { from, to } = target.ruleNumberBand;
  if (rule.cidrs.length !== 1) {
    problems.push(`a network ACL entry holds exactly one CIDR (got ${rule.cidrs.length}); split the rule, one CIDR per entry`);
  }
  if (rule.ports.length > 1) problems.push('a network ACL entry holds one port range; split the rule, one range per entry');
  if (rule.sourceGroup) problems.push('network ACL entries cannot reference a security group (sourceGroup); use placement "sg"');
  // Priority 0 lets the connector pick the lowest free number in the band.
  if (rule.priority !== 0 && (!Number.isInteger(rule.priority) || rule.priority < from || rule.priority > to)) {
    problems.push(`rule number ${rule.priority} is outside the band ${from}-${to} that portcullis owns on ${target.networkAclId} (use 0 to let the connector choose)`);
  }
}

function validateSg(marker: string, rule: NormalizedRule, problems: string[]): void {
  if (rule.action === 'deny') {
    problems.push('security groups hold allow rules only; a deny (block) belongs in the network ACL (placement "nacl")');
  }
  if (rule.priority !== 0) problems.push(`security group rules are unordered: priority must be 0 (got ${rule.priority})`);
  if (rule.sourceGroup !== undefined && !GROUP_ID.test(rule.sourceGroup)) {
    problems.push(`sourceGroup "${rule.sourceGroup}" is not a security group id (sg-…)`);
  }
  if (rule.sourceGroup === undefined && rule.cidrs.length === 0) problems.push('an allow needs at least one CIDR or a sourceGroup');
  if (rule.sourceGroup !== undefined && rule.cidrs.length > 0) {
    problems.push('a rule names either CIDRs or a sourceGroup, not both; split it into two rules');
  }
  if (!SG_DESCRIPTION.test(descriptionFor(rule, marker))) {
    problems.push('the rule description may only hold a-z A-Z 0-9 spaces and ._-:/()#,@[]+=&;{}!$* (EC2 rule description rules)');
  }
}

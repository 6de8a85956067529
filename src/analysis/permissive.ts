import type { NormalizedRule } from '../connectors/types.ts';
import { parseCidr } from '../net/cidr.ts';
import { INTERNAL_KINDS, reservedRangesFor } from '../net/reserved.ts';
import { ALL_PORTS, intersect, type PortSet, portSetFromRanges } from './port-set.ts';
import { describeRule, refOf } from './refs.ts';
import { ALL_SENSITIVE_PORTS } from './sensitive-ports.ts';
import type { Finding } from './types.ts';

/** Blocks wider than this (IPv4 /8, IPv6 /32) that reach public space count as "the internet" too. */
const WIDE_PUBLIC = { ipv4: 8, ipv6: 32 } as const;

/**
 * Ingress allows from any source (0.0.0.0/0, ::/0) or a very wide public block, on every port
 * (critical) or on administrative and database ports (high; medium for a wide block that is not /0).
 */
export function findOverlyPermissive(rules: readonly NormalizedRule[]): Finding[] {
  const findings: Finding[] = [];
  rules.forEach((rule, i) => {
    if (rule.direction !== 'ingress' || rule.action !== 'allow') return;
    const open = rule.cidrs.filter((text) => {
      const cidr = parseCidr(text, { hostBits: 'mask' });
      if (cidr.prefix === 0) return true;
      const internal = reservedRangesFor(cidr, INTERNAL_KINDS).some((m) => m.relation === 'inside');
      return !internal && cidr.prefix <= WIDE_PUBLIC[cidr.family];
    });
    if (!open.length) return;
    const anywhere = open.some((c) => c.endsWith('/0'));
    const ports: PortSet = rule.protocol === 'icmp' ? [] : rule.protocol === 'all' || !rule.ports.length ? ALL_PORTS : portSetFromRanges(rule.ports);
    const everyPort = rule.protocol === 'all' || (ports[0] === 0 && ports[1] === 65_535);
    const exposed = ALL_SENSITIVE_PORTS.filter((s) => intersect(ports, [s.port, s.port]).length > 0);
    if (!everyPort && !exposed.length) return;
    const what = everyPort ? 'every port' : exposed.map((s) => `${s.port} (${s.service})`).join(', ');
    findings.push({
      kind: 'overly_permissive',
      severity: everyPort && anywhere ? 'critical' : anywhere ? 'high' : 'medium',
      rules: [refOf(rules, i)],
      related: [],
      message: `${describeRule(rules, i)} opens ${what} to ${open.join(', ')}`,
      fix: {
        action: 'narrow',
        detail: 'restrict the source to the ranges or tier that need it (a bastion, a VPN range), or remove the rule',
      },
    });
  });
  return findings;
}

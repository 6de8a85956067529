import type { ConnectorLimits, NormalizedRule } from '../connectors/types.ts';
import { familyOf } from '../net/cidr.ts';
import { refOf } from './refs.ts';
import type { Finding, Severity } from './types.ts';

/**
 * Cloud quotas on rules (cloud-apis.md): AWS SG 60 per direction and address family; NACL 20 per
 * direction and family (default, including the default deny; up to 40 on request); Azure 1,000 rules
 * per NSG; GCP 500 firewall rules per project (the default quota; a target is one network of it).
 */
const CLOUD_QUOTAS: Record<NormalizedRule['placement'], { limit: number; per: 'direction-family' | 'target'; name: string }> = {
  sg: { limit: 60, per: 'direction-family', name: 'AWS rules per security group per direction and family' },
  nacl: { limit: 20, per: 'direction-family', name: 'AWS network ACL entries per direction and family' },
  nsg: { limit: 1_000, per: 'target', name: 'Azure rules per network security group' },
  firewall: { limit: 500, per: 'target', name: 'GCP firewall rules per project' },
  // Stateless rule groups count capacity units, not rules; 30,000 is the largest capacity a group can have.
  nfw: { limit: 30_000, per: 'target', name: 'AWS Network Firewall stateless rule group capacity units' },
  // The rules read from a Cloudflare target are the WAF custom rules of its zone ruleset (Business: 100).
  'cf-list': { limit: 100, per: 'target', name: 'Cloudflare WAF custom rules per zone (Business plan)' },
  wafv2: { limit: 100, per: 'target', name: 'AWS WAF IP sets per account and scope' },
};

interface Count {
  label: string;
  used: number;
  limit: number;
  name: string;
  members: number[];
}

/** Counts against the cloud's quota and against the service's own capacity (Connector.limits), warning from `warnAt`. */
export function findNearQuota(
  rules: readonly NormalizedRule[],
  limits: Partial<Record<NormalizedRule['placement'], ConnectorLimits>>,
  warnAt: number,
): Finding[] {
  const counts = new Map<string, Count>();
  const bump = (key: string, make: () => Omit<Count, 'used' | 'members'>, i: number, by = 1) => {
    const c = counts.get(key) ?? { ...make(), used: 0, members: [] };
    c.used += by;
    if (c.members.length < 5) c.members.push(i);
    counts.set(key, c);
  };
  rules.forEach((r, i) => {
    const quota = CLOUD_QUOTAS[r.placement];
    const families = new Set(r.cidrs.map((c) => familyOf(c)));
    if (!families.size) families.add('ipv4');
    const scopes = quota.per === 'target' ? [`${r.placement}`] : [...families].map((f) => `${r.placement} ${r.direction} ${f}`);
    for (const scope of scopes) bump(`cloud|${scope}`, () => ({ label: scope, limit: quota.limit, name: quota.name }), i);
    const own = limits[r.placement];
    if (r.owned && own) {
      bump(`own|${r.placement}|${r.direction}`, () => ({ label: `${r.placement} ${r.direction} (owned)`, limit: own.maxRulesPerDirection, name: "the service's rule capacity" }), i);
      if (Number.isFinite(own.maxPrefixesPerTarget)) {
        bump(`prefixes|${r.placement}`, () => ({ label: `${r.placement} prefixes (owned)`, limit: own.maxPrefixesPerTarget, name: "the service's prefix capacity" }), i, r.cidrs.length);
      }
    }
  });
  const findings: Finding[] = [];
  for (const c of counts.values()) {
    const share = c.used / c.limit;
    if (share < warnAt) continue;
    const severity: Severity = share >= 1 ? 'high' : 'medium';
    findings.push({
      kind: 'near_quota',
      severity,
      rules: c.members.map((i) => refOf(rules, i)),
      related: [],
      message: `${c.label}: ${c.used} of ${c.limit} (${Math.round(share * 100)}% of ${c.name})`,
      fix: { action: 'raise_quota', detail: 'remove redundant and duplicate rules found here, merge adjacent CIDRs, or ask the cloud for a higher quota' },
    });
  }
  return findings;
}

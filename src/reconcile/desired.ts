import type { NormalizedRule } from '../connectors/types.ts';
import { contains } from '../net/cidr.ts';
import type { Intent } from '../runs/types.ts';
import type { DesiredRuleGroup } from './packing.ts';

export type Placements = { deny: NormalizedRule['placement']; allow: NormalizedRule['placement'] };

/** Cloud placements per connector type: where denies and allows live. */
export const PLACEMENTS: Record<string, Placements> = {
  'aws-ec2': { deny: 'nacl', allow: 'sg' },
  'azure-nsg': { deny: 'nsg', allow: 'nsg' },
  'gcp-firewall': { deny: 'firewall', allow: 'firewall' },
};

/** Intents that should hold on the target right now (present and not expired). */
export function liveIntents(intents: Intent[], now: number): Intent[] {
  return intents.filter((i) => i.desired === 'present' && (i.expiresAt === undefined || i.expiresAt > now));
}

/** Groups deny/allow intents by match (everything but the CIDR), the unit packing works on. */
export function desiredGroups(intents: Intent[], placements: Placements): DesiredRuleGroup[] {
  const groups = new Map<string, DesiredRuleGroup>();
  for (const i of intents) {
    if (i.kind === 'quarantine') continue;
    const match = {
      direction: i.spec.direction ?? 'ingress',
      action: i.kind === 'deny' ? ('deny' as const) : ('allow' as const),
      protocol: i.spec.protocol ?? 'all',
      ports: i.spec.ports ?? [],
      placement: i.kind === 'deny' ? placements.deny : placements.allow,
      ...(i.spec.sourceGroup ? { sourceGroup: i.spec.sourceGroup } : {}),
    };
    const key = JSON.stringify(match);
    const group = groups.get(key) ?? { match, cidrs: [], intentIds: [] };
    if (i.spec.cidr) group.cidrs.push(i.spec.cidr);
    group.intentIds?.push(i.id);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** True when a rule enforces the intent: same match and a prefix that contains the intent's CIDR. */
export function ruleServes(rule: NormalizedRule, intent: Intent, placements: Placements): boolean {
  const action = intent.kind === 'deny' ? 'deny' : 'allow';
  if (rule.action !== action || rule.direction !== (intent.spec.direction ?? 'ingress')) return false;
  if (rule.placement !== (action === 'deny' ? placements.deny : placements.allow)) return false;
  if (rule.protocol !== (intent.spec.protocol ?? 'all')) return false;
  const ports = intent.spec.ports ?? [];
  if (rule.ports.length !== ports.length || rule.ports.some((p, k) => p.from !== ports[k]?.from || p.to !== ports[k]?.to)) {
    return false;
  }
  if (intent.spec.sourceGroup) return rule.sourceGroup === intent.spec.sourceGroup;
  const cidr = intent.spec.cidr;
  return cidr !== undefined && rule.cidrs.some((c) => contains(c, cidr));
}

/**
 * When an owned rule's desired life ends: the latest expiry of the intents it serves, or undefined
 * when one of them never expires (or none is known). Listed rules carry no intent ids, so the link is
 * made by what the rule enforces.
 */
export function ruleExpiry(intents: Intent[], placements: Placements): (rule: NormalizedRule) => number | undefined {
  return (rule) => {
    const served = intents.filter((i) => i.desired === 'present' && ruleServes(rule, i, placements));
    if (!served.length || served.some((i) => i.expiresAt === undefined)) return undefined;
    return Math.max(...served.map((i) => i.expiresAt as number));
  };
}

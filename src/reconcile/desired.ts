import type { NormalizedRule } from '../connectors/types.ts';
import { type Cidr, contains, formatCidr, parseCidr } from '../net/cidr.ts';
import type { Intent } from '../runs/types.ts';
import type { DesiredRuleGroup } from './packing.ts';

export type Placements = { deny: NormalizedRule['placement']; allow: NormalizedRule['placement'] };

/** Cloud placements per connector type: where denies and allows live. */
export const PLACEMENTS: Record<string, Placements> = {
  'aws-ec2': { deny: 'nacl', allow: 'sg' },
  'azure-nsg': { deny: 'nsg', allow: 'nsg' },
  'gcp-firewall': { deny: 'firewall', allow: 'firewall' },
  'aws-network-firewall': { deny: 'nfw', allow: 'nfw' },
  // Blocks only: the connector refuses allows (validate), so both point at the list.
  cloudflare: { deny: 'cf-list', allow: 'cf-list' },
  // WAF IP sets only block: allow rules land in the same placement and its connector refuses them.
  'aws-wafv2': { deny: 'wafv2', allow: 'wafv2' },
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

export const matchKeyOfRule = (r: Pick<NormalizedRule, 'placement' | 'direction' | 'action' | 'protocol' | 'ports' | 'sourceGroup'>) =>
  JSON.stringify([r.placement, r.direction, r.action, r.protocol, r.ports.map((p) => [p.from, p.to]), r.sourceGroup ?? '']);

/** The match key (as matchKeyOfRule, without the source group) of the rules that would serve an intent. */
export function intentMatchKey(intent: Intent, placements: Placements): string {
  const action = intent.kind === 'deny' ? 'deny' : 'allow';
  return matchKeyOfRule({
    placement: action === 'deny' ? placements.deny : placements.allow,
    direction: intent.spec.direction ?? 'ingress',
    action,
    protocol: intent.spec.protocol ?? 'all',
    ports: intent.spec.ports ?? [],
    sourceGroup: undefined,
  });
}

/**
 * `ruleServes` for many intents against many rules, indexed once: per match, the exact prefixes as a
 * set and the wider ones parsed once. A pass over a rule of thousands of prefixes stays linear.
 */
export class RuleIndex {
  private readonly byMatch = new Map<string, { exact: Set<string>; wide: Cidr[]; groups: Set<string> }>();

  private readonly placements: Placements;
  constructor(
    rules: readonly NormalizedRule[],
    placements: Placements,
  ) {
    this.placements = placements;
    for (const rule of rules) {
      const key = matchKeyOfRule({ ...rule, sourceGroup: undefined });
      const entry = this.byMatch.get(key) ?? { exact: new Set<string>(), wide: [], groups: new Set<string>() };
      this.byMatch.set(key, entry);
      if (rule.sourceGroup) entry.groups.add(rule.sourceGroup);
      for (const cidr of rule.cidrs) {
        const parsed = parseCidr(cidr);
        entry.exact.add(formatCidr(parsed));
        if (parsed.prefix < (parsed.family === 'ipv4' ? 32 : 128)) entry.wide.push(parsed);
      }
    }
  }

  serves(intent: Intent): boolean {
    const action = intent.kind === 'deny' ? 'deny' : 'allow';
    const key = matchKeyOfRule({
      placement: action === 'deny' ? this.placements.deny : this.placements.allow,
      direction: intent.spec.direction ?? 'ingress',
      action,
      protocol: intent.spec.protocol ?? 'all',
      ports: intent.spec.ports ?? [],
      sourceGroup: undefined,
    });
    const entry = this.byMatch.get(key);
    if (!entry) return false;
    if (intent.spec.sourceGroup) return entry.groups.has(intent.spec.sourceGroup);
    const cidr = intent.spec.cidr;
    if (cidr === undefined) return false;
    const parsed = parseCidr(cidr);
    if (entry.exact.has(formatCidr(parsed))) return true;
    return entry.wide.some((w) => contains(w, parsed));
  }
}

/** The reverse of RuleIndex: whether a rule serves at least one of many intents, indexed once by match. */
export class IntentIndex {
  private readonly byMatch = new Map<string, { exact: Set<string>; parsed: Cidr[]; groups: Set<string> }>();

  constructor(intents: readonly Intent[], placements: Placements) {
    for (const intent of intents) {
      const action = intent.kind === 'deny' ? 'deny' : 'allow';
      const key = matchKeyOfRule({
        placement: action === 'deny' ? placements.deny : placements.allow,
        direction: intent.spec.direction ?? 'ingress',
        action,
        protocol: intent.spec.protocol ?? 'all',
        ports: intent.spec.ports ?? [],
        sourceGroup: undefined,
      });
      const entry = this.byMatch.get(key) ?? { exact: new Set<string>(), parsed: [], groups: new Set<string>() };
      this.byMatch.set(key, entry);
      if (intent.spec.sourceGroup) entry.groups.add(intent.spec.sourceGroup);
      if (intent.spec.cidr) {
        const parsed = parseCidr(intent.spec.cidr);
        entry.exact.add(formatCidr(parsed));
        entry.parsed.push(parsed);
      }
    }
  }

  anyServedBy(rule: NormalizedRule): boolean {
    const entry = this.byMatch.get(matchKeyOfRule({ ...rule, sourceGroup: undefined }));
    if (!entry) return false;
    if (rule.sourceGroup) return entry.groups.has(rule.sourceGroup);
    return rule.cidrs.some((text) => {
      const cidr = parseCidr(text);
      if (entry.exact.has(formatCidr(cidr))) return true;
      // A merged prefix (two /32s as one /31) serves the intents inside it.
      return cidr.prefix < (cidr.family === 'ipv4' ? 32 : 128) && entry.parsed.some((p) => contains(cidr, p));
    });
  }
}

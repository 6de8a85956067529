import { GetIPSetCommand, GetWebACLCommand, type IPSetSummary, type WebACL } from '@aws-sdk/client-wafv2';
import type { NormalizedRule } from '../../src/connectors/types.ts';
import { canonicalCidrList } from '../../src/reconcile/packing-match.ts';
import type { CallRecord, WafCalls } from './calls.ts';
import type { WafTarget } from './config.ts';
import { listIpSets } from './ip-sets.ts';
import { blockRuleName, hasOwnerDescription, ipSetRefOf, type OwnedName, parseIpSetName } from './names.ts';
import { type AclRef, plainIpSetRefs, referencedArns } from './web-acl.ts';

/** What one target looks like from WAF: the web ACL, the IP sets of its scope, and which are owned. */
export interface TargetView {
  webAcl: WebACL;
  sets: IPSetSummary[];
  /** Owned sets (name and marker) by name, with their slot and address version. */
  owned: Map<string, IPSetSummary & OwnedName>;
  /** ARNs the connector's block rule references. */
  referenced: Set<string>;
}

export async function readView(calls: WafCalls, acl: AclRef, marker: string, target: WafTarget, log: CallRecord[]): Promise<TargetView> {
  const got = await calls.read('GetWebACL', (c) => c.send(new GetWebACLCommand({ Scope: acl.scope, Name: acl.name, Id: acl.id })), log);
  const webAcl = got.WebACL as WebACL;
  const sets = await listIpSets(calls, acl.scope, log);
  const owned = new Map<string, IPSetSummary & OwnedName>();
  for (const set of sets) {
    const parsed = set.Name ? parseIpSetName(marker, target.id, set.Name) : undefined;
    if (parsed && set.Name && hasOwnerDescription(marker, set.Description)) owned.set(set.Name, { ...set, ...parsed });
  }
  const ours = webAcl.Rules?.find((r) => r.Name === blockRuleName(marker, target.id));
  return { webAcl, sets, owned, referenced: new Set(referencedArns(ours?.Statement)) };
}

/**
 * The target as normalized rules. An owned set is a deny rule (its slot is the priority) when the
 * block rule references it and it holds addresses: an empty set, or one the web ACL does not use,
 * blocks nothing. Other rules of the web ACL that block or allow plain IP sets are listed as not
 * owned, at their rule priority, for analysis; rules of other kinds (managed groups...) are not rules
 * on addresses and are left out.
 */
export async function listRules(calls: WafCalls, view: TargetView, acl: AclRef, marker: string, target: WafTarget, log: CallRecord[]): Promise<NormalizedRule[]> {
  const rules: NormalizedRule[] = [];
  const addressesOf = async (name: string, id: string) => {
    const got = await calls.read('GetIPSet', (c) => c.send(new GetIPSetCommand({ Scope: acl.scope, Name: name, Id: id })), log);
    return { addresses: canonicalCidrList(got.IPSet?.Addresses ?? []), description: got.IPSet?.Description };
  };
  const base = { direction: 'ingress' as const, protocol: 'all' as const, ports: [], placement: 'wafv2' as const };
  for (const set of [...view.owned.values()].sort((a, b) => a.slot - b.slot)) {
    if (!set.ARN || !set.Id || !set.Name || !view.referenced.has(set.ARN)) continue;
    const { addresses, description } = await addressesOf(set.Name, set.Id);
    if (addresses.length === 0) continue;
    rules.push({ ...base, action: 'deny', cidrs: addresses, priority: set.slot, cloudId: set.ARN, owned: true, ...(description ? { description } : {}) });
  }
  const ownedArns = new Set([...view.owned.values()].map((s) => s.ARN));
  for (const rule of view.webAcl.Rules ?? []) {
    if (rule.Name === blockRuleName(marker, target.id)) continue;
    const action = rule.Action?.Block ? 'deny' : rule.Action?.Allow ? 'allow' : undefined;
    const arns = plainIpSetRefs(rule.Statement);
    if (!action || !arns) continue;
    for (const arn of arns) {
      const ref = ipSetRefOf(arn);
      if (!ref || ownedArns.has(arn)) continue;
      const { addresses } = await addressesOf(ref.name, ref.id);
      rules.push({ ...base, action, cidrs: addresses, priority: rule.Priority ?? 0, cloudId: arn, owned: false, description: `web ACL rule ${rule.Name}` });
    }
  }
  return rules;
}


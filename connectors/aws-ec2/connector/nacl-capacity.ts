import type { NetworkAclEntry } from '@aws-sdk/client-ec2';
import type { ConnectorErrorInfo, NormalizedRule } from '../../../src/connectors/types.ts';
// Aliased so the placement logic below reads as before (its names are unchanged).
import { type IpFamily as AddressFamily, familyOfText as familyOf } from '../../../src/net/index.ts';
import type { AwsEc2Target } from '../config.ts';
import { connectorErrorInfo } from './calls.ts';
import { entryFamily, entryMatches, inBand } from './nacl-mapping.ts';
import type { IndexedChange } from './outcome.ts';

export interface NaclPlan {
  placed: { index: number; rule: NormalizedRule; ruleNumber: number }[];
  refused: Map<number, ConnectorErrorInfo>;
  /** Creates already satisfied by an identical owned entry (a repeated create): done without a call. */
  present: { index: number; ruleNumber: number }[];
}

const FAMILY_NAME: Record<AddressFamily, string> = { ipv4: 'IPv4', ipv6: 'IPv6' };

/**
 * Chooses rule numbers for new entries and refuses, before any call, what cannot fit. Per direction the
 * room is bounded by (a) free numbers in the band and (b) the per-direction, per-family entry limit, which
 * counts every entry in the ACL: the default rule, foreign entries and ours. When a direction's creates do
 * not all fit, those that fit are placed in the order asked and the rest are refused with a capacity error
 * naming the ACL, the band and the counts: never an eviction, never a silent drop.
 */
export function planNaclCreates(target: AwsEc2Target, entries: NetworkAclEntry[], creates: IndexedChange[]): NaclPlan {
  const plan: NaclPlan = { placed: [], refused: new Map(), present: [] };
  const { from, to } = target.ruleNumberBand;
  for (const direction of ['ingress', 'egress'] as const) {
    const egress = direction === 'egress';
    const inDirection = entries.filter((e) => e.Egress === egress);
    const wanted = creates.flatMap(({ index, change }) => {
      if (change.op !== 'create' || change.rule.direction !== direction) return [];
      const rule = change.rule;
      const same = inDirection.find(
        (e) => inBand(target, e.RuleNumber ?? 0) && (rule.priority === 0 || rule.priority === e.RuleNumber) && entryMatches(e, rule, e.RuleNumber ?? 0),
      );
      if (same) {
        plan.present.push({ index, ruleNumber: same.RuleNumber ?? 0 });
        return [];
      }
      return [{ index, rule }];
    });
    if (wanted.length === 0) continue;
    const taken = new Set(inDirection.map((e) => e.RuleNumber));
    const bandFree = to - from + 1 - inDirection.filter((e) => inBand(target, e.RuleNumber ?? 0)).length;
    const problems: string[] = [];
    const familyFree = new Map<AddressFamily, number>();
    for (const family of ['ipv4', 'ipv6'] as const) {
      const need = wanted.filter((w) => familyOf(w.rule.cidrs[0] ?? '') === family).length;
      const used = inDirection.filter((e) => entryFamily(e) === family);
      const foreign = used.filter((e) => !inBand(target, e.RuleNumber ?? 0)).length;
      const free = Math.max(0, target.naclEntryLimit - used.length);
      familyFree.set(family, free);
      if (need > free) {
        problems.push(
          `${FAMILY_NAME[family]}: ${need} requested, ${free} free (${used.length} of ${target.naclEntryLimit} entries in use, including the default rule and ${foreign} not owned by portcullis)`,
        );
      }
    }
    if (wanted.length > bandFree) problems.push(`rule-number band ${from}-${to}: ${bandFree} numbers free`);
    if (problems.length > 0) {
      // Place what fits, in the order asked (never evicting an entry); refuse the rest, each with the reason.
      let bandLeft = bandFree;
      const fitting = wanted.filter((w) => {
        const family = familyOf(w.rule.cidrs[0] ?? '');
        const left = familyFree.get(family) ?? 0;
        if (left <= 0 || bandLeft <= 0) return false;
        familyFree.set(family, left - 1);
        bandLeft -= 1;
        return true;
      });
      const error = connectorErrorInfo(
        'capacity',
        'NaclCapacity',
        `network ACL ${target.networkAclId} cannot take ${wanted.length} new ${direction} entries; ${fitting.length} fit and ${wanted.length - fitting.length} were refused (${problems.join('; ')})`,
      );
      for (const w of wanted) if (!fitting.includes(w)) plan.refused.set(w.index, error);
      wanted.splice(0, wanted.length, ...fitting);
    }
    // Explicit rule numbers first, then the lowest free numbers of the band for the rest (priority 0).
    const explicit = wanted.filter((w) => w.rule.priority !== 0);
    for (const { index, rule } of explicit) {
      if (taken.has(rule.priority)) {
        plan.refused.set(index, connectorErrorInfo('conflict', 'RuleNumberTaken', `${direction} rule number ${rule.priority} is already used in ${target.networkAclId}`));
        continue;
      }
      taken.add(rule.priority);
      plan.placed.push({ index, rule, ruleNumber: rule.priority });
    }
    let next = from;
    for (const { index, rule } of wanted.filter((w) => w.rule.priority === 0)) {
      while (taken.has(next)) next++;
      taken.add(next);
      plan.placed.push({ index, rule, ruleNumber: next });
    }
  }
  return plan;
}

import type { NormalizedRule } from '../connectors/types.ts';
import { deleteIfOwned, describeRule, refOf } from './refs.ts';
import type { Finding } from './types.ts';

/** Owned rules still present after the expiry of the intents they serve: the reconciler should have removed them. */
export function findExpired(rules: readonly NormalizedRule[], expiryOf: (rule: NormalizedRule) => number | undefined, now: number): Finding[] {
  const findings: Finding[] = [];
  rules.forEach((rule, i) => {
    if (!rule.owned) return;
    const expiresAt = expiryOf(rule);
    if (expiresAt === undefined || expiresAt > now) return;
    findings.push({
      kind: 'expired',
      severity: 'medium',
      rules: [refOf(rules, i)],
      related: [],
      message: `${describeRule(rules, i)} expired at ${new Date(expiresAt).toISOString()} but is still in place`,
      fix: {
        action: 'delete',
        detail: 'the reconciler removes expired rules on its next pass; if it stays, check the target for errors',
        ...deleteIfOwned(rules, i),
      },
    });
  });
  return findings;
}

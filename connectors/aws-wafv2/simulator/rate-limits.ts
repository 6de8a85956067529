/**
 * AWS WAF's API call rates, per account and Region: at most one request per second to any individual
 * Create, Put or Update action (the Security Automations for AWS WAF guide, "Quotas", restating the WAF
 * quotas page), answered with `ThrottlingException: Rate exceeded` when exceeded. Delete and Tag calls are
 * counted the same way here (the conservative reading). Reads are not limited, as in the other simulators.
 */
export const WRITE_BUCKET = { capacity: 1, refillPerSecond: 1 } as const;

export function isMutating(action: string): boolean {
  return /^(Create|Update|Delete|Put|Tag|Untag|Associate|Disassociate)/.test(action);
}

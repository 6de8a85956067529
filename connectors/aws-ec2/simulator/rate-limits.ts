/**
 * EC2's request-rate throttling: one token bucket per API action, per account and region. Numbers from
 * the EC2 developer guide, "Request throttling for the Amazon EC2 API" → "Request token bucket sizes and
 * refill rates": mutating actions hold 50 tokens and refill 5 per second (non-mutating: 100 and 20,
 * e.g. DescribeHosts). The simulator applies the mutating row to every mutating call when
 * `writeRateLimits` is on (with the shared TokenBuckets); reads are not limited (they are not writes).
 */
export const MUTATING_BUCKET = { capacity: 50, refillPerSecond: 5 } as const;

export function isMutating(action: string): boolean {
  return /^(Create|Delete|Replace|Authorize|Revoke|Modify|Update)/.test(action);
}

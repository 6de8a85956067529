/**
 * EC2's request-rate throttling: one token bucket per API action, per account and region. Numbers from
 * the EC2 developer guide, "Request throttling for the Amazon EC2 API" → "Request token bucket sizes and
 * refill rates": mutating actions hold 50 tokens and refill 5 per second (non-mutating: 100 and 20,
 * e.g. DescribeHosts). The simulator applies the mutating row to every mutating call when
 * `writeRateLimits` is on; reads are not limited (they are not writes).
 */
export const MUTATING_BUCKET = { capacity: 50, refillPerSecond: 5 } as const;

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly now: () => number,
    private readonly capacity: number = MUTATING_BUCKET.capacity,
    private readonly refillPerSecond: number = MUTATING_BUCKET.refillPerSecond,
  ) {}

  /** Takes one token for `action`; returns false (throttle) when the bucket is empty. */
  take(action: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(action) ?? { tokens: this.capacity, at: now };
    const refilled = Math.min(this.capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.refillPerSecond);
    const allowed = refilled >= 1;
    this.buckets.set(action, { tokens: allowed ? refilled - 1 : refilled, at: now });
    return allowed;
  }
}

export function isMutating(action: string): boolean {
  return /^(Create|Delete|Replace|Authorize|Revoke|Modify)/.test(action);
}

/** mulberry32: a small deterministic PRNG so `errorRate` with a `seed` gives the same failures every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

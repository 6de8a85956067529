/**
 * A fake clock for tests: `sleep` advances time instantly instead of waiting, so retry backoff,
 * Retry-After, rate-limit windows and expiry are exercised without real delays.
 */
export class FakeClock {
  private t: number;
  /** Every sleep requested, in order (lets tests assert the backoff the code chose). */
  readonly sleeps: number[] = [];
  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.t += ms;
  };
}

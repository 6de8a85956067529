/** Fault injection and rate limiting shared by every route: latency, 5xx, throttling, the write quota. */

import type { SimulatorOptions } from '../../../src/connectors/simulator.ts';
import { type ApiError, backendError, rateLimited } from './envelope.ts';
import type { Clock } from './state.ts';

/**
 * Compute Engine counts API requests per project per minute in quota groups; the default for the
 * write group is 1,500 per minute. With `writeRateLimits` on, the 1,501st write in a clock minute
 * gets 403 rateLimitExceeded. Override with `quotas.writesPerMinute`.
 */
export const DEFAULT_WRITES_PER_MINUTE = 1500;

/** mulberry32: a small deterministic generator, so `errorRate` with a `seed` repeats exactly. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Faults {
  private failures = 0;
  private failStatus = 503;
  private throttles = 0;
  private throttleRetryAfter: number | undefined;
  private windowStart = 0;
  private windowWrites = 0;
  private readonly random: () => number;
  writes = 0;
  throttled = 0;

  constructor(
    private readonly clock: Clock,
    private readonly options: SimulatorOptions,
    private readonly writesPerMinute: () => number,
  ) {
    this.random = options.seed !== undefined ? seededRandom(options.seed) : Math.random;
  }

  failNext(count: number, status = 503): void {
    this.failures = count;
    this.failStatus = status;
  }

  throttleNext(count: number, retryAfterSeconds?: number): void {
    this.throttles = count;
    this.throttleRetryAfter = retryAfterSeconds;
  }

  async delay(): Promise<void> {
    const latency = this.options.latencyMs;
    if (latency === undefined) return;
    const ms = typeof latency === 'number' ? latency : latency[0] + this.random() * (latency[1] - latency[0]);
    if (ms > 0) await this.clock.sleep(Math.round(ms));
  }

  /** The error this request gets before reaching its handler, if any. */
  check(isWrite: boolean): ApiError | undefined {
    if (isWrite) this.writes += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      return backendError(this.failStatus);
    }
    if (this.options.errorRate && this.random() < this.options.errorRate) return backendError(503);
    if (!isWrite) return undefined;
    if (this.throttles > 0) {
      this.throttles -= 1;
      this.throttled += 1;
      return rateLimited(this.writesPerMinute(), this.throttleRetryAfter);
    }
    if (this.options.writeRateLimits) {
      const minute = Math.floor(this.clock.now() / 60_000);
      if (minute !== this.windowStart) {
        this.windowStart = minute;
        this.windowWrites = 0;
      }
      if (this.windowWrites >= this.writesPerMinute()) {
        this.throttled += 1;
        return rateLimited(this.writesPerMinute());
      }
      this.windowWrites += 1;
    }
    return undefined;
  }
}

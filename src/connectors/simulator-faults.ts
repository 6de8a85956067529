import type { SimulatorOptions } from './simulator.ts';

/**
 * Fault-injection primitives the cloud simulators share: the failNext/throttleNext switches, errorRate
 * with a seeded random, latency, and the write limiters clouds use. They only decide *whether* a fault
 * happens; each simulator keeps its cloud's error shapes, numbers and the order a request meets the
 * faults in its own folder. Runtime-free (no SDK, no Node API): the sandbox serves the simulators too.
 */

export type SimulatorClock = NonNullable<SimulatorOptions['clock']>;

/** The wall clock, for simulators run without an injected one (the sandbox). */
export const realClock: SimulatorClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

/** mulberry32: a small deterministic generator, so `errorRate` and latency ranges repeat with a seed. */
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

/** Seeded when a seed is given, Math.random otherwise. */
export function randomSource(seed: number | undefined): () => number {
  return seed === undefined ? Math.random : seededRandom(seed);
}

export interface FaultSwitchOptions extends Pick<SimulatorOptions, 'latencyMs' | 'errorRate'> {
  /** Draws for latency ranges and errorRate, from one stream so a seeded run repeats exactly. */
  random: () => number;
  /** Status `failNext` uses when the caller names none. */
  failStatus: number;
  /** Status of the failures `errorRate` draws. */
  randomFailStatus: number;
}

/** The switches of SimulatorControls (failNext, throttleNext) plus the errorRate and latency options. */
export class FaultSwitches {
  private failures: { count: number; status: number };
  private throttles: { count: number; retryAfterSeconds?: number } = { count: 0 };

  private readonly options: FaultSwitchOptions;
  constructor(options: FaultSwitchOptions) {
    this.options = options;
    this.failures = { count: 0, status: options.failStatus };
  }

  failNext(count: number, status = this.options.failStatus): void {
    this.failures = { count, status };
  }

  throttleNext(count: number, retryAfterSeconds?: number): void {
    this.throttles = retryAfterSeconds === undefined ? { count } : { count, retryAfterSeconds };
  }

  /** Milliseconds this request waits before it is answered (a range draws from the random stream). */
  latencyMs(): number {
    const latency = this.options.latencyMs;
    if (latency === undefined) return 0;
    if (typeof latency === 'number') return latency;
    return latency[0] + Math.round(this.options.random() * (latency[1] - latency[0]));
  }

  async delay(clock: SimulatorClock): Promise<void> {
    const ms = this.latencyMs();
    if (ms > 0) await clock.sleep(ms);
  }

  /**
   * The 5xx status this request fails with, or undefined to let it through: a pending failNext first
   * (consumed), then a draw against errorRate (no draw when errorRate is unset or 0).
   */
  takeFailure(): number | undefined {
    if (this.failures.count > 0) {
      this.failures.count--;
      return this.failures.status;
    }
    const { errorRate } = this.options;
    if (errorRate && this.options.random() < errorRate) return this.options.randomFailStatus;
    return undefined;
  }

  /** A pending throttleNext for this (mutating) call, consumed, with its Retry-After seconds if given. */
  takeThrottle(): { retryAfterSeconds?: number } | undefined {
    if (this.throttles.count <= 0) return undefined;
    this.throttles.count--;
    const seconds = this.throttles.retryAfterSeconds;
    return seconds === undefined ? {} : { retryAfterSeconds: seconds };
  }
}

/** Windows aligned to the clock (0-60 s, 60-120 s, ...): at most `limit()` calls in each. */
export class FixedWindowLimiter {
  private window = 0;
  private used = 0;

  /** `limit` is read on every call, so a quota changed while running applies at once. */
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly limit: () => number;
  constructor(
    now: () => number,
    windowMs: number,
    limit: () => number,
  ) {
    this.now = now;
    this.windowMs = windowMs;
    this.limit = limit;
  }

  /** Counts one call; false (throttle, not counted) when this window is full. */
  take(): boolean {
    const window = Math.floor(this.now() / this.windowMs);
    if (window !== this.window) {
      this.window = window;
      this.used = 0;
    }
    if (this.used >= this.limit()) return false;
    this.used += 1;
    return true;
  }
}

/** At most `limit` calls in any `windowMs` ending now (a log of call times). */
export class SlidingWindowLimiter {
  private readonly times: number[] = [];

  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly limit: number;
  constructor(
    now: () => number,
    windowMs: number,
    limit: number,
  ) {
    this.now = now;
    this.windowMs = windowMs;
    this.limit = limit;
  }

  /** Counts one call, or refuses it (not counted) with the wait until the oldest call leaves the window. */
  take(): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const now = this.now();
    while (this.times.length > 0 && (this.times[0] ?? 0) <= now - this.windowMs) this.times.shift();
    if (this.times.length >= this.limit) {
      return { allowed: false, retryAfterMs: (this.times[0] ?? now) + this.windowMs - now };
    }
    this.times.push(now);
    return { allowed: true };
  }

  /** Calls left in the window as of the last `take` (the log is trimmed only when a call is counted). */
  remaining(): number {
    return Math.max(0, this.limit - this.times.length);
  }
}

/** One token bucket per key (e.g. per API action): `capacity` tokens, refilled continuously. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  private readonly now: () => number;
  private readonly capacity: number;
  private readonly refillPerSecond: number;
  constructor(
    now: () => number,
    capacity: number,
    refillPerSecond: number,
  ) {
    this.now = now;
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
  }

  /** Takes one token for `key`; false (throttle) when its bucket is empty. */
  take(key: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    const refilled = Math.min(this.capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.refillPerSecond);
    const allowed = refilled >= 1;
    this.buckets.set(key, { tokens: allowed ? refilled - 1 : refilled, at: now });
    return allowed;
  }
}

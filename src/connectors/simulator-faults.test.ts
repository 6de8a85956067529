import { describe, expect, it } from 'vitest';
import {
  FaultSwitches,
  type FaultSwitchOptions,
  FixedWindowLimiter,
  randomSource,
  seededRandom,
  SlidingWindowLimiter,
  TokenBuckets,
} from './simulator-faults.ts';

function switches(options: Partial<FaultSwitchOptions> = {}): FaultSwitches {
  return new FaultSwitches({ random: () => 0.5, failStatus: 500, randomFailStatus: 503, ...options });
}

/** A random stream that counts its draws, so tests can see when none is taken. */
function countingRandom(values: number[]): { random: () => number; draws: () => number } {
  let index = 0;
  return { random: () => values[index++ % values.length] ?? 0, draws: () => index };
}

describe('seeded randomness', () => {
  it('repeats the same stream for the same seed and differs for another', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const first = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(first);
    expect([c(), c(), c()]).not.toEqual(first);
    for (const value of first) expect(value >= 0 && value < 1).toBe(true);
  });

  it('is mulberry32: the first draw for seed 1 is fixed (simulator runs with a seed must not change)', () => {
    expect(seededRandom(1)()).toBeCloseTo(0.6270739405881613, 15);
  });

  it('falls back to Math.random without a seed', () => {
    expect(randomSource(undefined)).toBe(Math.random);
    expect(randomSource(7)()).toBe(seededRandom(7)());
  });
});

describe('failNext and errorRate', () => {
  it('fails the next `count` calls with the default status, then lets calls through', () => {
    const faults = switches();
    faults.failNext(2);
    expect([faults.takeFailure(), faults.takeFailure(), faults.takeFailure()]).toEqual([500, 500, undefined]);
  });

  it('uses the status given to failNext, and a new failNext replaces the pending one', () => {
    const faults = switches();
    faults.failNext(5, 502);
    faults.failNext(1, 504);
    expect([faults.takeFailure(), faults.takeFailure()]).toEqual([504, undefined]);
  });

  it('draws against errorRate only when no failNext is pending, with the random failure status', () => {
    const stream = countingRandom([0.1, 0.9]);
    const faults = switches({ errorRate: 0.5, random: stream.random });
    faults.failNext(1);
    expect(faults.takeFailure()).toBe(500);
    expect(stream.draws()).toBe(0);
    expect(faults.takeFailure()).toBe(503);
    expect(faults.takeFailure()).toBeUndefined();
    expect(stream.draws()).toBe(2);
  });

  it('takes no draw when errorRate is unset or zero (a seeded latency stream stays the same)', () => {
    const stream = countingRandom([0]);
    expect(switches({ random: stream.random }).takeFailure()).toBeUndefined();
    expect(switches({ random: stream.random, errorRate: 0 }).takeFailure()).toBeUndefined();
    expect(stream.draws()).toBe(0);
  });
});

describe('throttleNext', () => {
  it('throttles the next `count` calls, with Retry-After seconds only when given', () => {
    const faults = switches();
    expect(faults.takeThrottle()).toBeUndefined();
    faults.throttleNext(1);
    expect(faults.takeThrottle()).toEqual({});
    faults.throttleNext(2, 7);
    expect([faults.takeThrottle(), faults.takeThrottle(), faults.takeThrottle()]).toEqual([
      { retryAfterSeconds: 7 },
      { retryAfterSeconds: 7 },
      undefined,
    ]);
  });
});

describe('latency', () => {
  it('is 0 without latencyMs and the fixed value with one', () => {
    expect(switches().latencyMs()).toBe(0);
    expect(switches({ latencyMs: 25 }).latencyMs()).toBe(25);
  });

  it('draws a whole number of ms within a [min, max] range', () => {
    expect(switches({ latencyMs: [10, 20], random: () => 0 }).latencyMs()).toBe(10);
    expect(switches({ latencyMs: [10, 20], random: () => 0.999 }).latencyMs()).toBe(20);
    expect(switches({ latencyMs: [10, 20], random: () => 0.44 }).latencyMs()).toBe(14);
  });

  it('sleeps on the given clock, and not at all for 0 ms', async () => {
    const slept: number[] = [];
    const clock = { now: () => 0, sleep: async (ms: number) => void slept.push(ms) };
    await switches({ latencyMs: 30 }).delay(clock);
    await switches({ latencyMs: 0 }).delay(clock);
    await switches().delay(clock);
    expect(slept).toEqual([30]);
  });
});

describe('FixedWindowLimiter', () => {
  it('allows `limit` calls per clock-aligned window and starts afresh in the next one', () => {
    let now = 59_000;
    let limit = 2;
    const limiter = new FixedWindowLimiter(() => now, 60_000, () => limit);
    expect([limiter.take(), limiter.take(), limiter.take()]).toEqual([true, true, false]);
    now = 60_000; // a new window, even though only 1 s passed
    expect([limiter.take(), limiter.take(), limiter.take()]).toEqual([true, true, false]);
    limit = 3; // a quota changed while running applies at once
    expect(limiter.take()).toBe(true);
  });
});

describe('SlidingWindowLimiter', () => {
  it('refuses the call over the limit with the wait until the oldest call leaves the window', () => {
    let now = 1_000;
    const limiter = new SlidingWindowLimiter(() => now, 10_000, 2);
    expect(limiter.take()).toEqual({ allowed: true });
    now = 4_000;
    expect(limiter.take()).toEqual({ allowed: true });
    expect(limiter.remaining()).toBe(0);
    now = 5_000;
    expect(limiter.take()).toEqual({ allowed: false, retryAfterMs: 6_000 });
    now = 11_000; // the call at 1 s has left the window (it ends at exactly 10 s later)
    expect(limiter.take()).toEqual({ allowed: true });
    expect(limiter.take()).toEqual({ allowed: false, retryAfterMs: 3_000 });
  });

  it('reports the full budget before any call', () => {
    expect(new SlidingWindowLimiter(() => 0, 1_000, 5).remaining()).toBe(5);
  });
});

describe('TokenBuckets', () => {
  it('empties a full bucket, refills it over time, and keeps one bucket per key', () => {
    let now = 0;
    const buckets = new TokenBuckets(() => now, 2, 1);
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([true, true, false]);
    expect(buckets.take('b')).toBe(true);
    now = 500; // half a token
    expect(buckets.take('a')).toBe(false);
    now = 1_000;
    expect([buckets.take('a'), buckets.take('a')]).toEqual([true, false]);
    now = 60_000; // never more than capacity
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([true, true, false]);
  });
});

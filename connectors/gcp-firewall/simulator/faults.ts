/** Fault injection and rate limiting shared by every route: latency, 5xx, throttling, the write quota. */

import type { SimulatorOptions } from '../../../src/connectors/simulator.ts';
import { FaultSwitches, FixedWindowLimiter, randomSource } from '../../../src/connectors/simulator-faults.ts';
import { type ApiError, backendError, rateLimited } from './envelope.ts';
import type { Clock } from './state.ts';

/**
 * Compute Engine counts API requests per project per minute in quota groups; the default for the
 * write group is 1,500 per minute. With `writeRateLimits` on, the 1,501st write in a clock minute
 * gets 403 rateLimitExceeded. Override with `quotas.writesPerMinute`.
 */
export const DEFAULT_WRITES_PER_MINUTE = 1500;

/** The shared primitives, in the order Compute meets a request: a transient 5xx, a queued throttle, the quota. */
export class Faults {
  private readonly switches: FaultSwitches;
  private readonly writeQuota: FixedWindowLimiter;
  writes = 0;
  throttled = 0;

  private readonly clock: Clock;
  private readonly options: SimulatorOptions;
  private readonly writesPerMinute: () => number;
  constructor(
    clock: Clock,
    options: SimulatorOptions,
    writesPerMinute: () => number,
  ) {
    this.clock = clock;
    this.options = options;
    this.writesPerMinute = writesPerMinute;
    // Compute's transient failures are 503 backendError, injected or drawn.
    this.switches = new FaultSwitches({
      latencyMs: options.latencyMs,
      errorRate: options.errorRate,
      random: randomSource(options.seed),
      failStatus: 503,
      randomFailStatus: 503,
    });
    this.writeQuota = new FixedWindowLimiter(() => clock.now(), 60_000, writesPerMinute);
  }

  failNext(count: number, status?: number): void {
    this.switches.failNext(count, status);
  }

  throttleNext(count: number, retryAfterSeconds?: number): void {
    this.switches.throttleNext(count, retryAfterSeconds);
  }

  delay(): Promise<void> {
    return this.switches.delay(this.clock);
  }

  /** The error this request gets before reaching its handler, if any. */
  check(isWrite: boolean): ApiError | undefined {
    if (isWrite) this.writes += 1;
    const failure = this.switches.takeFailure();
    if (failure !== undefined) return backendError(failure);
    if (!isWrite) return undefined;
    const throttle = this.switches.takeThrottle();
    if (throttle) {
      this.throttled += 1;
      return rateLimited(this.writesPerMinute(), throttle.retryAfterSeconds);
    }
    if (this.options.writeRateLimits && !this.writeQuota.take()) {
      this.throttled += 1;
      return rateLimited(this.writesPerMinute());
    }
    return undefined;
  }
}

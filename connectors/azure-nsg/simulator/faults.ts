import {
  FaultSwitches,
  randomSource,
  type SimulatorClock,
  SlidingWindowLimiter,
} from '../../../src/connectors/simulator-faults.ts';
import { armError } from './arm-json.ts';

/** NRP limits per subscription (request-limits-and-throttling): 1,000 writes and 10,000 reads per 5 minutes. */
const WINDOW_MS = 5 * 60_000;

export interface FaultOptions {
  clock: SimulatorClock;
  latencyMs?: number | [number, number];
  errorRate?: number;
  seed?: number;
  writeRateLimits?: boolean;
  writesPerWindow: number;
  readsPerWindow: number;
}

/**
 * Injected faults, applied before routing, in the order a real front door would apply them: a
 * transient 5xx, then ARM's sliding-window request limits, then a queued throttle. The shared
 * primitives decide whether a fault happens; this file owns ARM's error bodies and numbers.
 */
export class FaultInjector {
  private readonly switches: FaultSwitches;
  private readonly writes: SlidingWindowLimiter;
  private readonly reads: SlidingWindowLimiter;
  throttled = 0;
  /** Throttles with the given headers (e.g. retry-after-ms), answered before the generic ones. */
  private readonly customThrottles: Record<string, string>[] = [];

  private readonly options: FaultOptions;
  constructor(options: FaultOptions) {
    this.options = options;
    this.switches = new FaultSwitches({
      latencyMs: options.latencyMs,
      errorRate: options.errorRate,
      random: randomSource(options.seed),
      failStatus: 500,
      randomFailStatus: 500,
    });
    const now = () => options.clock.now();
    this.writes = new SlidingWindowLimiter(now, WINDOW_MS, options.writesPerWindow);
    this.reads = new SlidingWindowLimiter(now, WINDOW_MS, options.readsPerWindow);
  }

  failNext(count: number, status?: number): void {
    this.switches.failNext(count, status);
  }
  throttleNext(count: number, retryAfterSeconds?: number): void {
    this.switches.throttleNext(count, retryAfterSeconds);
  }

  throttleNextWith(count: number, headers: Record<string, string>): void {
    for (let i = 0; i < count; i++) this.customThrottles.push(headers);
  }

  delay(): Promise<void> {
    return this.switches.delay(this.options.clock);
  }

  /** A fault response for this request, or undefined to let it through. */
  intercept(isWrite: boolean): Response | undefined {
    const failure = this.switches.takeFailure();
    if (failure !== undefined) return transient(failure);
    if (this.options.writeRateLimits) {
      const taken = (isWrite ? this.writes : this.reads).take();
      if (!taken.allowed) {
        const retryAfter = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
        this.throttled++;
        return armError(
          429,
          'Throttled',
          `The request is being throttled as the limit has been reached for operation type - ${isWrite ? 'Write' : 'Read'}_ObservationWindow_00:05:00.`,
          { 'Retry-After': String(retryAfter) },
        );
      }
    }
    const custom = isWrite ? this.customThrottles.shift() : undefined;
    if (custom) {
      this.throttled++;
      return armError(429, 'Throttled', 'The request is being throttled.', custom);
    }
    const throttle = isWrite ? this.switches.takeThrottle() : undefined;
    if (throttle) {
      this.throttled++;
      const seconds = throttle.retryAfterSeconds;
      return seconds === undefined
        ? armError(429, 'RetryableError', 'A retryable error occured.', {}, [
            { code: 'RetryableErrorDueToAnotherOperation', message: 'Operation PutSecurityRuleOperation is updating the resource. The call can be retried.' },
          ])
        : armError(429, 'Throttled', 'The request is being throttled.', { 'Retry-After': String(seconds) });
    }
    return undefined;
  }

  /** Headers NRP adds to writes (remaining budget in the window). */
  remainingWrites(): Record<string, string> {
    return { 'x-ms-ratelimit-remaining-subscription-writes': String(this.writes.remaining()) };
  }

  /** The header ARM adds to reads (request-limits-and-throttling: x-ms-ratelimit-remaining-subscription-reads). */
  remainingReads(): Record<string, string> {
    return { 'x-ms-ratelimit-remaining-subscription-reads': String(this.reads.remaining()) };
  }
}

function transient(status: number): Response {
  const code = status === 503 ? 'ServiceUnavailable' : status === 502 ? 'BadGateway' : status === 504 ? 'GatewayTimeout' : 'InternalServerError';
  return armError(status, code, 'An error has occurred. Please retry the request.');
}

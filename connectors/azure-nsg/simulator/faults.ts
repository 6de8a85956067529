import { armError } from './arm-json.ts';

type Clock = { now(): number; sleep(ms: number): Promise<void> };

/** NRP limits per subscription (request-limits-and-throttling): 1,000 writes and 10,000 reads per 5 minutes. */
const WINDOW_MS = 5 * 60_000;

/** Deterministic PRNG (mulberry32) so errorRate and latency ranges repeat with a seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultOptions {
  clock: Clock;
  latencyMs?: number | [number, number];
  errorRate?: number;
  seed?: number;
  writeRateLimits?: boolean;
  writesPerWindow: number;
  readsPerWindow: number;
}

/** Injected faults, applied before routing, in the order a real front door would apply them. */
export class FaultInjector {
  private readonly random: () => number;
  private failures: { count: number; status: number } = { count: 0, status: 500 };
  private throttles: { count: number; retryAfterSeconds?: number } = { count: 0 };
  private readonly writes: number[] = [];
  private readonly reads: number[] = [];
  throttled = 0;

  constructor(private readonly options: FaultOptions) {
    this.random = options.seed === undefined ? Math.random : prng(options.seed);
  }

  failNext(count: number, status = 500): void {
    this.failures = { count, status };
  }
  throttleNext(count: number, retryAfterSeconds?: number): void {
    this.throttles = retryAfterSeconds === undefined ? { count } : { count, retryAfterSeconds };
  }

  async delay(): Promise<void> {
    const latency = this.options.latencyMs;
    if (latency === undefined) return;
    const ms = Array.isArray(latency) ? latency[0] + Math.round(this.random() * (latency[1] - latency[0])) : latency;
    if (ms > 0) await this.options.clock.sleep(ms);
  }

  /** A fault response for this request, or undefined to let it through. */
  intercept(isWrite: boolean): Response | undefined {
    if (this.failures.count > 0) {
      this.failures.count--;
      return transient(this.failures.status);
    }
    if (this.options.errorRate && this.random() < this.options.errorRate) return transient(500);
    const window = isWrite ? this.writes : this.reads;
    const limit = isWrite ? this.options.writesPerWindow : this.options.readsPerWindow;
    if (this.options.writeRateLimits) {
      const now = this.options.clock.now();
      while (window.length > 0 && (window[0] ?? 0) <= now - WINDOW_MS) window.shift();
      if (window.length >= limit) {
        const retryAfter = Math.max(1, Math.ceil(((window[0] ?? now) + WINDOW_MS - now) / 1000));
        this.throttled++;
        return armError(
          429,
          'Throttled',
          `The request is being throttled as the limit has been reached for operation type - ${isWrite ? 'Write' : 'Read'}_ObservationWindow_00:05:00.`,
          { 'Retry-After': String(retryAfter) },
        );
      }
      window.push(now);
    }
    if (isWrite && this.throttles.count > 0) {
      this.throttles.count--;
      this.throttled++;
      const seconds = this.throttles.retryAfterSeconds;
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
    return { 'x-ms-ratelimit-remaining-subscription-writes': String(Math.max(0, this.options.writesPerWindow - this.writes.length)) };
  }
}

function transient(status: number): Response {
  const code = status === 503 ? 'ServiceUnavailable' : status === 502 ? 'BadGateway' : status === 504 ? 'GatewayTimeout' : 'InternalServerError';
  return armError(status, code, 'An error has occurred. Please retry the request.');
}

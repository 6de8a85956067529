import type { Clock } from '../platform.ts';
import type { NormalizedRule } from './rule.ts';

/**
 * A stateful fake of one cloud's HTTP API, faithful to the wire protocol. One fake, two uses:
 * tests mount `fetch` through msw (`onUnhandledFrame: 'error'`) so the real SDK's HTTP reaches it;
 * the sandbox serves it on loopback and points the SDK endpoint at it.
 */
export interface Simulator {
  /** The cloud API as a plain fetch handler. Paths are the cloud's own (e.g. "/", "/subscriptions/..."). */
  fetch(request: Request): Promise<Response>;
  /** Origins the real SDK calls by default (for msw routing), e.g. "https://ec2.us-east-1.amazonaws.com". */
  origins: string[];
  controls: SimulatorControls;
}

export interface SimulatorOptions {
  /** Clock for rate-limit windows, operation timing and timestamps; defaults to the real clock. */
  clock?: Clock;
  /** Added latency per request, in ms (a fixed value or [min, max]). */
  latencyMs?: number | [number, number];
  /** Enforce the cloud's real write-rate limits (Azure 1,000 writes / 5 min, EC2 token bucket, GCP per-minute quota). */
  writeRateLimits?: boolean;
  /** Fraction (0..1) of requests answered with a transient 5xx. Deterministic when `seed` is given. */
  errorRate?: number;
  seed?: number;
  /** Lower a real quota for a test (e.g. `{ rulesPerNsg: 5 }`) so quota errors need not create thousands of rules. */
  quotas?: Record<string, number>;
  /** Cloud-specific seed state (accounts, VPCs, NSGs, networks, instances); each simulator documents its own. */
  seedState?: unknown;
}

/** Switches and inspection hooks every simulator offers (used by the contract suite and the benchmark). */
export interface SimulatorControls {
  /** The next `count` mutating calls are throttled the way the cloud throttles (with Retry-After seconds if given). */
  throttleNext(count: number, retryAfterSeconds?: number): void;
  /** The next `count` calls (any) fail with a transient 5xx. */
  failNext(count: number, status?: number): void;
  /** Long-running operations report "in progress" for this many polls before finishing. */
  slowOperations(polls: number): void;
  /** Number of mutating (write) API calls received so far, including failed and throttled ones. */
  writeCalls(): number;
  /** Number of requests answered with a throttling error so far. */
  throttledCalls(): number;
  /**
   * Creates a rule out of band, as a person in the console would (not owned by the service).
   * `resource` is the simulator-side id of the firewall resource (NACL or SG id, NSG name, network name).
   */
  addForeignRule(resource: string, rule: NormalizedRule): Promise<void>;
  /** Deletes a rule out of band (drift), by the cloud id the connector reported. */
  deleteOutOfBand(resource: string, cloudId: string): Promise<void>;
  /** The host's current network isolation state, as a comparable JSON value (SG ids per ENI, tags...). */
  hostState(host: string): unknown;
}

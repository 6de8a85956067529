/**
 * The connector contract: the only surface through which `src/` talks to a cloud.
 * `src/` never imports a cloud SDK; each `connectors/<cloud>/index.ts` implements this
 * contract with its SDK and is checked with `satisfies ConnectorFactory`.
 */

import type { z } from 'zod';
import type { SecretRef } from '../config/secret.ts';
import type { Clock, Logger } from '../platform.ts';
import type { NormalizedRule } from './rule.ts';
import type { Simulator, SimulatorOptions } from './simulator.ts';

export type ConnectorType = 'aws-ec2' | 'azure-nsg' | 'gcp-firewall' | 'aws-network-firewall' | 'cloudflare' | 'aws-wafv2';
export type { Direction, NormalizedRule, PortRange, Protocol, RuleAction } from './rule.ts';

/** One change the reconciler asks a connector to make. Updates replace a rule in place where the cloud can. */
export type RuleChange =
  | { op: 'create'; rule: NormalizedRule }
  | { op: 'update'; before: NormalizedRule; rule: NormalizedRule }
  | { op: 'delete'; rule: NormalizedRule };

export interface AttemptRecord {
  attempt: number;
  /** ISO time the attempt started. */
  at: string;
  outcome: 'ok' | 'retryable' | 'fatal';
  /** Cloud error code, when the attempt failed. */
  code?: string;
  status?: number;
  requestId?: string;
  /** Milliseconds waited before the next attempt. */
  delayMs?: number;
}

export interface OperationResult {
  change: RuleChange;
  ok: boolean;
  /** The cloud calls made for this change (name of the API operation and its request id). */
  calls: { operation: string; requestId?: string; attempts: AttemptRecord[] }[];
  /** Present when ok is false. */
  error?: ConnectorErrorInfo;
  /** Identifier of the rule after the change (e.g. a new SG rule id or GCP firewall name). */
  cloudId?: string;
}

export type ConnectorErrorKind =
  | 'throttled'
  | 'transient'
  | 'conflict'
  | 'pending'
  | 'validation'
  | 'quota'
  | 'capacity'
  | 'not_found'
  | 'permission'
  | 'unknown';

export interface ConnectorErrorInfo {
  kind: ConnectorErrorKind;
  /** The cloud's own error code (e.g. "RequestLimitExceeded", "RetryableError", "rateLimitExceeded"). */
  code: string;
  message: string;
  retryable: boolean;
  status?: number;
  requestId?: string;
}

/**
 * A typed error thrown inside connectors. `retryable` tells the shared retry policy whether another
 * attempt can help; `retryAfterMs` carries the cloud's Retry-After when it sent one.
 */
export class ConnectorError extends Error {
  readonly info: ConnectorErrorInfo;
  readonly retryAfterMs?: number;
  constructor(info: ConnectorErrorInfo, retryAfterMs?: number) {
    super(`${info.code}: ${info.message}`);
    this.name = 'ConnectorError';
    this.info = info;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/** What a connector can do on a target, and the cloud's limits that packing must respect. */
export interface ConnectorLimits {
  supportsDeny: boolean;
  supportsIpv6: boolean;
  /** Rules the service may own in the target (per direction where the cloud counts per direction). */
  maxRulesPerDirection: number;
  /** Prefixes one rule may carry (AWS NACL: 1; Azure: up to 4000; GCP: configurable, default 256). */
  maxPrefixesPerRule: number;
  /** Prefixes in total per target (Azure: 4000 per NSG, counted per source/destination); Infinity when none. */
  maxPrefixesPerTarget: number;
  /** Priority / rule-number band the service owns, inclusive. */
  priorityBand: { from: number; to: number };
  /** Whether IPv4 and IPv6 may share one rule (GCP: never). */
  mixesAddressFamilies: boolean;
  /**
   * Where the cloud counts rules per direction *and* address family (AWS network ACLs: 20 entries per
   * direction and family, the default rule included), the room per direction and family. Packing then
   * caps owned rules per family as well as per direction, and a refusal quotes these counts.
   */
  perFamily?: Record<'ingress' | 'egress', Record<'ipv4' | 'ipv6', FamilyRoom>>;
  /** How capacity refusals name the rule container, e.g. "network ACL acl-0a1b2c3d4e5f60001". */
  container?: string;
}

/** Room for owned rules in one direction and address family. */
export interface FamilyRoom {
  /** Rules the service may own here: the quota minus every rule it does not own. */
  owned: number;
  /** The cloud's quota for the direction and family (AWS: `naclEntryLimit`). */
  quota: number;
  /** Rules counted against the quota that the service does not own (AWS: the default rule and foreign entries). */
  notOwned: number;
}

export interface CheckResult {
  ok: boolean;
  /** One line per permission or prerequisite checked. */
  checks: { name: string; ok: boolean; detail?: string }[];
}

/** Host isolation: the connector's own design, documented in its README. */
export interface QuarantineResult {
  ok: boolean;
  /** What must be kept to undo the quarantine exactly (e.g. the previous security groups per ENI). */
  previous?: unknown;
  calls: OperationResult['calls'];
  error?: ConnectorErrorInfo;
}

export interface Connector {
  readonly type: ConnectorType;
  readonly id: string;
  /**
   * What the connector can do at all (absent: everything). A blocks-only connector (a Cloudflare list
   * a block rule enforces) has `allows: false, quarantine: false`: playbooks that would need them are
   * refused at start (src/playbooks/capabilities.ts), not on every run.
   */
  readonly capabilities?: { allows: boolean; quarantine: boolean };
  /** Target ids this instance knows (from config). */
  targets(): string[];
  /** Limits for one placement of a target (AWS: NACL entries and SG rules differ). */
  limits(targetId: string, placement: NormalizedRule['placement']): ConnectorLimits;
  /**
   * Checks a rule before any cloud call: invalid CIDRs, IPv6 on an IPv4-only target, ports out of
   * range, priorities outside the band, names the cloud would reject. Returns the problems found.
   */
  validate(targetId: string, rule: NormalizedRule): string[];
  /** Every rule on the target (owned ones have `owned: true`), as normalized rules with cloud ids. */
  list(targetId: string): Promise<NormalizedRule[]>;
  /** Applies the changes; never throws for a cloud error, reports per change instead. */
  apply(targetId: string, changes: RuleChange[]): Promise<OperationResult[]>;
  /** Credentials and permissions (e.g. EC2 DryRun), and that the target exists. */
  check(targetId: string): Promise<CheckResult>;
  /** Isolates a host (instance id, VM name...) and returns what release needs. Idempotent. */
  quarantine(targetId: string, host: string): Promise<QuarantineResult>;
  /** Restores a host exactly as it was before quarantine. Idempotent. */
  release(targetId: string, host: string, previous: unknown): Promise<QuarantineResult>;
  /**
   * Why a rule the service does not own cannot be adopted here (empty when it can), without a cloud call.
   * A connector without `adopt` adopts nothing.
   */
  adoptionProblems?(targetId: string, rule: NormalizedRule): string[];
  /**
   * Takes ownership of a foreign rule (the adopt-rules playbook): puts the ownership marker on it and
   * changes nothing it enforces. Idempotent; reported like an update of the rule.
   */
  adopt?(targetId: string, rule: NormalizedRule, intentIds: string[]): Promise<OperationResult>;
  /**
   * Flow-log objects under an object-storage location of this cloud (AWS `s3://bucket/prefix`, Azure
   * `https://account.blob.core.windows.net/container/prefix`, GCP `gs://bucket/prefix`), every page, in
   * the order the store lists them (by name). Each object is opened only when read.
   */
  listLogObjects?(location: string): AsyncIterable<LogObject>;
}

/** A flow-log object in a bucket or container (gzip or plain). */
export interface LogObject {
  /** The location and key, as reported in malformed-line samples and refusals. */
  name: string;
  open(): Promise<NodeJS.ReadableStream>;
}

/**
 * Where a cloud's own ownership marker is the rule's name (Azure, GCP), an adopted rule keeps its name and
 * carries this at the start of its description instead: names cannot be changed in place.
 */
export const ADOPTED_MARKER = 'portcullis:adopted';

export function isAdoptedDescription(description: string | undefined): boolean {
  return description?.startsWith(ADOPTED_MARKER) ?? false;
}

/** Everything a connector is built from: its parsed config block and shared services. */
export interface ConnectorContext {
  /** Injected clock and sleep so retry backoff and expiry are testable with a fake clock. */
  clock: Clock;
  /** Redacting structured logger (pino-compatible subset). */
  log: Pick<Logger, 'info' | 'warn'>;
  retry: RetryOptions;
  /**
   * Resolves a credential reference from the connector's config (`{ env: NAME }` or `{ file: PATH }`,
   * see src/config/secret.ts). Connectors never read the environment or files themselves.
   */
  resolveSecret(ref: SecretRef): string;
}

export interface RetryOptions {
  /** Attempts in total, including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Overall deadline for one operation, including waits. */
  deadlineMs: number;
}

export const defaultRetryOptions: RetryOptions = {
  maxAttempts: 8,
  baseDelayMs: 200,
  maxDelayMs: 20_000,
  deadlineMs: 120_000,
};

/**
 * What each `connectors/<cloud>/index.ts` exports (checked with `satisfies ConnectorFactory<...>`).
 * `configSchema` parses the connector's block of portcullis.config.yaml (everything but `id` and `type`);
 * `endpoint` in that block overrides the SDK endpoint (VPC endpoints, local emulators, the sandbox simulator).
 */
export interface ConnectorFactory<C = unknown> {
  type: ConnectorType;
  configSchema: z.ZodType<C>;
  create(id: string, config: C, ctx: ConnectorContext): Connector;
  /** The stateful fake of this cloud's HTTP API, used by tests (through msw) and by the sandbox. */
  createSimulator(options?: SimulatorOptions): Simulator;
}

import type { PlacementChains } from './reconcile/chains.ts';
import type { Context } from 'hono';
import type { AuditRuntime } from './audit/runtime.ts';
import type { Config } from './config/schema.ts';
import type { Connector } from './connectors/types.ts';
import type { ConsoleAuth } from './console/principal.ts';
import type { ClientRegistry } from './http/clients.ts';
import type { Outbox } from './notify/outbox.ts';
import type { RefusalTracker } from './http/refusals.ts';
import type { TargetCatalog } from './playbooks/load.ts';
import type { Playbook } from './playbooks/schema.ts';
import type { Reconciler } from './reconcile/reconciler.ts';
import type { Store } from './store/types.ts';
import type { TrafficSource } from './flowlogs/server-source.ts';
import type { Clock, Logger } from './platform.ts';

export interface EdgeSettings {
  toleranceSeconds: number;
  bodyBytes: number;
  idempotencyTtlMs: number;
  inFlightLockMs: number;
  /** Refusals per source address and minute before 429 too_many_refusals (limits.refusalsPerMinute, default 60). */
  refusalsPerMinute?: number;
}

/**
 * Everything the app needs, built once by an entry point (src/node.ts or src/worker.ts): the one
 * composition root. Handlers only read these.
 */
export interface Services {
  store: Store;
  clients: ClientRegistry;
  clock: Clock;
  log: Logger;
  settings: EdgeSettings;
  /** Version string for /healthz and the OpenAPI document. */
  version: string;
  /** Playbooks, targets and the reconciler; absent on a runtime without connectors (Workers today). */
  runtime?: Runtime;
  /** Console sessions as credentials, when the operator console is configured (src/console/). */
  console?: ConsoleAuth;
  /** The audit checkpoint signer, when `audit.signingKey` is configured. */
  audit?: AuditRuntime;
  /** The API reference's static files (Swagger UI) for /docs; absent: /docs is a plain built-in page. */
  apiReference?: { read(file: string): Promise<string | undefined> };
  /** Outbound notifications (src/notify/): the outbox the API lists and redelivers from. */
  notifications?: { outbox: Outbox; kick(): void };
  /** Audit exports' durable cursors (notifier, SIEM sinks), for /metrics. */
  exports?: { cursors(): Promise<{ name: string; seq: number }[]> };
  /** The caller's address as the runtime saw the connection (src/http/source.ts); "unknown" when absent. */
  sourceAddress?: (c: Context) => string | undefined;
  /** This replica's leases on a shared database (src/reconcile/leases.ts), for /readyz; absent on Workers. */
  replica?: { status(): { owner: string; leases: string[]; lastContact: number | undefined } };
  /** Refusal counters per source (built by buildApp when absent; the entry point flushes them at close). */
  refusals?: RefusalTracker;
}

export interface Runtime {
  playbooks: Map<string, Playbook>;
  /** The connector instances, by id (analysis reads their rules). */
  connectors: Map<string, Connector>;
  catalog: TargetCatalog;
  tiers: Config['tiers'];
  /** Node: the Reconciler itself; Workers: passes run in the target's Durable Object, previews here. */
  reconciler: Pick<Reconciler, 'schedule' | 'preview' | 'idle'>;
  /** Decides allow requests of playbooks with `approval: policy`; absent means every such request waits. */
  policy?: ApprovalPolicy;
  /** How long a run may wait for approval before it expires. */
  approvalTtlMs: number;
  /** Observed traffic per target (configured flow logs), for cleanup kinds unused and narrow. */
  traffic?: TrafficSource;
  /** Placement chains (config `placementChains`): which blocks are placed across several targets. */
  chains?: PlacementChains;
}

/** What policy-as-code answers for a change request. */
export interface PolicyDecision {
  decision: 'approve' | 'needs_approval' | 'deny';
  reasons: string[];
  /** The policies that determined the decision (ids or files). */
  policies: string[];
}

export interface ApprovalPolicy {
  decide(request: { clientId: string; playbook: string; action: string; inputs: Record<string, unknown> }): Promise<PolicyDecision>;
}

/** Replay ids are remembered for both sides of the tolerance window plus a minute of margin. */
export const replayWindowMs = (s: EdgeSettings): number => (2 * s.toleranceSeconds + 60) * 1000;

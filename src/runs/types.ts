import type { PortRange, Protocol } from '../connectors/types.ts';

export type IntentKind = 'deny' | 'allow' | 'quarantine';

/** What an intent asks of its target. Deny/allow: one CIDR (or a source group) for a match; quarantine: a host. */
export interface IntentSpec {
  direction?: 'ingress' | 'egress';
  protocol?: Protocol;
  ports?: PortRange[];
  cidr?: string;
  sourceGroup?: string;
  host?: string;
  /** A block placed through a placement chain (its id): the intent lives on the chain's head. */
  chain?: string;
  /** Set by adopt-rules: the cloud id of the foreign rule this intent takes over (marked owned by the reconciler). */
  adopt?: string;
}

export type IntentState = 'pending' | 'applied' | 'failed' | 'removed';

export interface Intent {
  id: string;
  runId: string;
  kind: IntentKind;
  connectorId: string;
  targetId: string;
  /** Identity of the intent within its target: the same block of the same CIDR is the same intent. */
  matchKey: string;
  spec: IntentSpec;
  desired: 'present' | 'absent';
  state: IntentState;
  expiresAt?: number;
  offenses: number;
  error?: string;
  /** False when the last failure cannot be helped by another attempt: not retried until asked again. */
  errorRetryable?: boolean;
  /** What the cloud gave back that must be kept (quarantine: the previous state to restore). */
  cloud?: unknown;
  createdAt: number;
  updatedAt: number;
}

export type RunStatus =
  | 'pending'
  | 'applied'
  | 'partially_applied'
  | 'failed'
  | 'pending_approval'
  | 'rejected'
  | 'approval_expired';

export interface RunTargetRef {
  connector: string;
  target: string;
}

export interface RunRecord {
  id: string;
  playbook: string;
  action: string;
  clientId: string;
  /** `accepted` once the intents are written; the effective status is then derived from them. */
  status: 'accepted' | 'pending_approval' | 'rejected' | 'approval_expired';
  inputs: Record<string, unknown>;
  targets: RunTargetRef[];
  decision?: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface RunTargetState {
  connector: string;
  target: string;
  state: 'pending' | 'applied' | 'failed' | 'partially_applied';
  intents: number;
  errors: string[];
  /** Blocks placed through a placement chain: how many of the run's intents hold on each point. */
  points?: { point: string; intents: number }[];
}

export interface RunView extends Omit<RunRecord, 'status'> {
  status: RunStatus;
  perTarget: RunTargetState[];
}

export interface RunFilter {
  status?: RunStatus;
  playbook?: string;
  clientId?: string;
  /** Opaque cursor: runs created before this one (newest first). */
  before?: { createdAt: number; id: string };
  limit: number;
}

/** Changes to runs and intents that travel in a UnitOfWork (committed with their audit events). */
export interface RunWork {
  runs?: RunRecord[];
  runStatus?: { id: string; status: RunRecord['status']; decision?: Record<string, unknown>; at: number }[];
  /** Insert or re-target by (connector, target, matchKey); linked to the run in run_intents as pending. */
  upsertIntents?: Intent[];
  /** Mark existing intents absent (unblock, revoke, release, expiry) and link them to a run if given. */
  retractIntents?: { id: string; runId?: string; at: number }[];
  /** The one decision a run waiting for approval gets (a second one fails the transaction). */
  runDecisions?: { runId: string; decision: 'approved' | 'rejected' | 'approval_expired'; clientId?: string; at: number }[];
  /** Outcome of a reconcile pass for intents, and for the runs waiting on them. */
  intentOutcomes?: { id: string; state: IntentState; error?: string; retryable?: boolean; cloud?: unknown; at: number }[];
}

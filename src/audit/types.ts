/** What a component records; seq, id, time and hashes are added by the store when it appends. */
export interface AuditEventInput {
  /** Dotted verb, e.g. "request.refused", "run.accepted", "cloud.operation", "intent.expired". */
  action: string;
  outcome: 'success' | 'failure' | 'refused' | 'pending';
  clientId?: string;
  requestId?: string;
  runId?: string;
  playbook?: string;
  /** "connectorId/targetId" when the event concerns one target. */
  target?: string;
  /** Event-specific detail; must be JSON (no undefined, no functions). Never secrets. */
  detail?: Record<string, unknown>;
}

export interface AuditEvent extends AuditEventInput {
  seq: number;
  /** Stable, globally unique id (UUID) that pollers can dedupe on. */
  id: string;
  /** ISO-8601 time the event was appended. */
  time: string;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

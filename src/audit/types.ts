/** What a component records; seq, id, time and hashes are added by the store when it appends. */
export interface AuditEventInput {
  /** Dotted verb, e.g. "request.refused", "run.accepted", "cloud.operation", "intent.expired". */
  action: string;
  outcome: 'success' | 'failure' | 'refused' | 'pending';
  clientId?: string;
  requestId?: string;
  /** The caller's address (IP) for events caused by a request. */
  sourceAddress?: string;
  runId?: string;
  playbook?: string;
  /** "connectorId/targetId" when the event concerns one target. */
  target?: string;
  /** Event-specific detail; must be JSON (no undefined, no functions). Never secrets. */
  detail?: Record<string, unknown>;
}

/**
 * An event as stored, hashed and served: snake_case like the rest of the API (the producers' input
 * above is camelCase TypeScript; toStoredEvent maps it once, before hashing).
 */
export interface AuditEvent {
  seq: number;
  /** Stable, globally unique id (UUID) that pollers can dedupe on. */
  id: string;
  /** ISO-8601 time the event was appended. */
  time: string;
  action: string;
  outcome: AuditEventInput['outcome'];
  client_id?: string;
  request_id?: string;
  /** The caller's address for events caused by a request. */
  source_address?: string;
  run_id?: string;
  playbook?: string;
  target?: string;
  detail?: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** The hashed part of a stored event: everything but the hashes. */
export type HashedEvent = Omit<AuditEvent, 'prev_hash' | 'hash'>;

/** Maps a producer's input to the stored (snake_case) event, leaving out absent fields. */
export function toStoredEvent(input: AuditEventInput, seq: number, id: string, time: string): HashedEvent {
  return {
    seq,
    id,
    time,
    action: input.action,
    outcome: input.outcome,
    ...(input.clientId !== undefined ? { client_id: input.clientId } : {}),
    ...(input.requestId !== undefined ? { request_id: input.requestId } : {}),
    ...(input.sourceAddress !== undefined ? { source_address: input.sourceAddress } : {}),
    ...(input.runId !== undefined ? { run_id: input.runId } : {}),
    ...(input.playbook !== undefined ? { playbook: input.playbook } : {}),
    ...(input.target !== undefined ? { target: input.target } : {}),
    ...(input.detail !== undefined ? { detail: snakeKeys(input.detail) as Record<string, unknown> } : {}),
  };
}

/** Subtrees recorded exactly as the caller sent them (a signed call's inputs), so never renamed. */
const VERBATIM = new Set(['inputs']);

/**
 * Renames object keys from camelCase to snake_case at every depth (connector call records such as
 * `requestId`, `retryAfterMs` become `request_id`, `retry_after_ms`), so the whole event follows one
 * convention; the caller's own inputs stay byte-for-byte what was signed. Linear in the size of the detail.
 */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = VERBATIM.has(key) ? v : snakeKeys(v);
  }
  return out;
}

export const GENESIS_HASH = '0'.repeat(64);

/** Shapes shared by the audit pull API, the store and the verifier. */
import type { AuditEvent } from './types.ts';

/** Filters of GET /v1/audit/events; every one is an exact match, all must hold. */
export interface AuditFilter {
  clientId?: string;
  playbook?: string;
  runId?: string;
  target?: string;
  action?: string;
  outcome?: AuditEvent['outcome'];
  /** ISO-8601 (as stored: toISOString), inclusive. */
  since?: string;
  /** ISO-8601, exclusive. */
  until?: string;
}

export interface AuditPageQuery extends AuditFilter {
  /** Events with seq greater than this (the cursor). */
  after: number;
  limit: number;
  /** Stop at this seq, inclusive (a bulk export fixes its end when it starts). */
  through?: number;
}

/** One stored event as the table holds it: the indexed columns, the hashes and the hashed JSON. */
export interface AuditRow {
  seq: number;
  id: string;
  time: string;
  action: string;
  outcome: string;
  clientId: string | null;
  runId: string | null;
  playbook: string | null;
  target: string | null;
  prevHash: string;
  hash: string;
  /** The RFC 8785 canonical JSON that was hashed (the event without its hashes). */
  event: string;
}

export interface AuditPage {
  rows: AuditRow[];
  /**
   * Every event with seq <= scannedTo that matches the filter is in `rows` or an earlier page, so the
   * next page starts after it (past the last row, or past the head when the page was not full).
   */
  scannedTo: number;
}

export type CheckpointKind = 'periodic' | 'on_demand' | 'retention';

/** A signed statement "the chain up to `seq` has head `hash`", made at `time`. */
export interface Checkpoint {
  seq: number;
  hash: string;
  time: string;
  kind: CheckpointKind;
  keyId: string;
  /** base64url Ed25519 signature over checkpointMessage(). */
  signature: string;
}

/** The event as the JSON API returns it (the hashed body plus its hashes). */
export function rowToEvent(row: AuditRow): AuditEvent {
  return { ...(JSON.parse(row.event) as AuditEvent), prev_hash: row.prevHash, hash: row.hash };
}

/** The event as one NDJSON line, without re-serializing: the stored JSON with the hashes appended. */
export function rowToNdjsonLine(row: AuditRow): string {
  return `${row.event.slice(0, -1)},"prev_hash":"${row.prevHash}","hash":"${row.hash}"}\n`;
}

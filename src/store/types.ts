/**
 * Durable state behind async interfaces. One implementation over SQL (`src/store/sql/`) runs on
 * node:sqlite (Node), D1 (Workers) and PostgreSQL (Node replicas sharing one database); the contract
 * suite in test/store/ runs against all three.
 */
import type { AuditPage, AuditPageQuery, Checkpoint } from '../audit/pull-types.ts';
import type { AuditEvent, AuditEventInput } from '../audit/types.ts';
import type { IpAddress } from '../net/ip.ts';
import type { Intent, IntentState, RunFilter, RunView, RunWork } from '../runs/types.ts';

/**
 * A page of GET /v1/blocks: active deny intents grouped by block (CIDR and direction), in block_key
 * order (src/runs/block-keys.ts). Filters select intents; a block lists the intents that match.
 */
export interface BlockQuery {
  /** Only blocks after this block_key (exclusive): the cursor. */
  after?: string;
  /** Blocks per page (a block holds one intent per target). */
  limit: number;
  connectorId?: string;
  targetId?: string;
  state?: Exclude<IntentState, 'removed'>;
  /** Only intents expiring before this time (epoch ms); intents without expiry never match. */
  expiresBefore?: number;
  /** Only intents whose current run (the last that asked for the block) names this incident. */
  incident?: string;
  /** Only intents whose current run was asked by this client. */
  clientId?: string;
  /** Only blocks whose CIDR contains this address. */
  containing?: IpAddress;
}

/** One target's entry of a block: what GET /v1/blocks shows per target. */
export type BlockEntry = Pick<Intent, 'id' | 'runId' | 'connectorId' | 'targetId' | 'state' | 'error' | 'expiresAt' | 'offenses'> & {
  /** The placement chain the block goes through, if any. */
  chain?: string;
  /** With a chain: the points (`<connector>/<target>`) it holds on now. */
  points?: string[];
};

export interface BlockGroup {
  key: string;
  /** The CIDR as the intents store it ('' for a source-group intent). */
  cidr: string;
  direction: 'ingress' | 'egress';
  /** One per target that matched the filters, by connector and target. */
  intents: BlockEntry[];
}

export interface BlockPage {
  blocks: BlockGroup[];
  /** The last block's key when more blocks may follow (the next page's `after`). */
  next?: string;
}

/** A stored response, replayed verbatim for a repeated Idempotency-Key. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface AdmitRequest {
  clientId: string;
  /** The Standard Webhooks message id; absent for bearer-token reads. */
  webhookId?: string;
  /** SHA-256 of method, path with query and body. */
  fingerprint: string;
  /** Idempotency key for mutating calls (the header, or the webhook-id when the header is absent). */
  idempotencyKey?: string;
  now: number;
  /** How long a webhook-id is remembered (at least the signature tolerance on both sides). */
  replayWindowMs: number;
  /** How long an idempotency record is kept. */
  idempotencyTtlMs: number;
  /** How long an in-flight record blocks another attempt before it is considered abandoned. */
  inFlightLockMs: number;
}

export type AdmitResult =
  | { kind: 'fresh' }
  /** The same message delivered again (same client, id, fingerprint and key): answered from the idempotency record. */
  | { kind: 'replay'; response: StoredResponse }
  /** The first attempt still holds the key; `retryAfterMs` is how long its lock may still last. */
  | { kind: 'in_flight'; retryAfterMs: number }
  | { kind: 'key_mismatch' }
  /** The webhook-id was already used: for a different request (route, body, key or client), or by a read. */
  | { kind: 'webhook_reused'; firstSeenAt: number };

/** Everything a handler changes, committed atomically with its audit events and idempotency completion. */
export interface UnitOfWork extends RunWork {
  audit: AuditEventInput[];
  /** Completes the idempotency record with this response in the same transaction. */
  complete?: { clientId: string; key: string; response: StoredResponse };
  /** Releases an in-flight idempotency record without storing a response (the request is not cached). */
  release?: { clientId: string; key: string };
  /** Commit only if this lease is still held with this token at `at` (a reconcile pass's outcomes); else nothing is written. */
  fence?: { held: Fence; at: number };
}

/** A lease held: its name, this replica's owner id, the fencing token and when it lapses (epoch ms). */
export interface Fence {
  lease: string;
  owner: string;
  token: number;
  expiresAt: number;
}

/**
 * Leases shared by every replica on one database (src/store/sql/leases.ts): a target's lease decides
 * which replica reconciles it, the cluster lease which one runs the cluster-wide timers.
 */
export interface LeaseStore {
  /** Takes the lease when free or lapsed (a new token) or renews our own (same token); undefined when another holds it. */
  acquire(name: string, owner: string, ttlMs: number, now: number): Promise<Fence | undefined>;
  /** True while the lease is still ours with this token and not lapsed at `now`. */
  holds(fence: Fence, now: number): Promise<boolean>;
  /** Lets the lease lapse now (a clean stop), so another replica takes it at once. */
  release(fence: Fence, now: number): Promise<void>;
  /** Every lease not lapsed at `now`. */
  holders(now: number): Promise<{ lease: string; owner: string; token: number; expiresAt: number }[]>;
}

/** A console session as stored: the id only as its SHA-256 hash (src/console/sessions.ts owns the rules). */
export interface ConsoleSessionRow {
  idHash: string;
  operator: { iss: string; sub: string; name?: string; email?: string; roles: string[] };
  scopes: string[];
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

/** A console login between the redirect to the identity provider and its callback. */
export interface ConsoleLoginRow {
  stateHash: string;
  nonce: string;
  codeVerifier: string;
  browserBinding: string;
  createdAt: number;
}

/** Console sessions and pending logins, shared by every process on the database. */
export interface SessionRecords {
  putSession(row: ConsoleSessionRow): Promise<void>;
  getSession(idHash: string): Promise<ConsoleSessionRow | undefined>;
  /** Records activity; never moves `lastSeenAt` backwards. */
  touchSession(idHash: string, lastSeenAt: number): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  putLogin(row: ConsoleLoginRow): Promise<void>;
  /** Removes and returns a pending login: exactly one caller gets it. */
  takeLogin(stateHash: string): Promise<ConsoleLoginRow | undefined>;
  /** Deletes sessions idle since before `idleBefore` or created before `createdBefore`, and logins created before `loginsBefore`. */
  pruneSessions(idleBefore: number, createdBefore: number, loginsBefore: number): Promise<void>;
}

export interface Store {
  /** Console sessions (the operator console's server-side state). */
  readonly sessions: SessionRecords;
  /** Replay guard and idempotency check in one atomic step, before a handler runs. */
  admit(request: AdmitRequest): Promise<AdmitResult>;
  /**
   * What the replay guard remembers of a client's webhook-id: the bound fingerprint
   * (`<request fingerprint>|<idempotency key>`) and when it was first seen. Reads nothing else.
   */
  replaySeen(clientId: string, webhookId: string): Promise<{ fingerprint: string; seenAt: number } | undefined>;
  /** Commits a unit of work atomically; returns the audit events as appended (with seq and hashes). */
  commit(work: UnitOfWork): Promise<AuditEvent[]>;
  /**
   * Releases the in-flight idempotency records taken before `takenBefore`: on start, those of a
   * previous process that died mid-request (a redelivery is then run, not refused until the lock
   * times out). Returns how many were released.
   */
  releaseInFlight(takenBefore: number): Promise<number>;
  /** Deletes replay-guard rows older than the window and expired idempotency records; returns how many went. */
  prune(now: number, replayWindowMs: number): Promise<{ replay: number; idempotency: number }>;
  /** Audit events in seq order, after a seq (exclusive), at most `limit`. */
  auditAfter(seq: number, limit: number): Promise<AuditEvent[]>;
  /** The last appended event's seq and hash (seq 0 and the genesis hash for an empty log). */
  auditHead(): Promise<{ seq: number; hash: string }>;
  // Audit pull API, checkpoints and retention (src/store/sql/audit-queries.ts).
  /** One filtered page after a cursor, in seq order, with how far the cursor may move. */
  auditPage(query: AuditPageQuery): Promise<AuditPage>;
  /** A page of the bulk export as NDJSON text (each line the event with prev_hash and hash), up to `through`. */
  auditNdjsonPage(query: AuditPageQuery & { through: number }): Promise<{ text: string; count: number; last: number | undefined }>;
  /** The last appended seq (0 for an empty log), without its hash. */
  auditHeadSeq(): Promise<number>;
  /** Signed checkpoints after a seq, in seq order. */
  auditCheckpoints(afterSeq: number, limit: number): Promise<Checkpoint[]>;
  latestAuditCheckpoint(): Promise<Checkpoint | undefined>;
  addAuditCheckpoint(checkpoint: Checkpoint): Promise<void>;
  /** The last event retention may delete (events older than `before`, at most `maxEvents`, never the head). */
  auditRetentionCutoff(before: string, maxEvents: number): Promise<{ seq: number; hash: string } | undefined>;
  /** Stores a retention checkpoint and deletes the events up to it, atomically; returns how many went. */
  pruneAudit(anchor: Checkpoint): Promise<number>;
  /** Cheap liveness query for /readyz. */
  ping(): Promise<void>;

  // Runs and intents (the desired state).
  intentsForTarget(connectorId: string, targetId: string): Promise<Intent[]>;
  intentsByKeys(keys: { connectorId: string; targetId: string; matchKey: string }[]): Promise<Intent[]>;
  targetsWithPendingWork(): Promise<{ connectorId: string; targetId: string }[]>;
  dueExpiries(now: number): Promise<Intent[]>;
  nextExpiry(): Promise<number | undefined>;
  activeIntents(kind: Intent['kind']): Promise<Intent[]>;
  /** One page of active blocks, from indexes (an address lookup is at most 33/129 index probes). */
  listBlocks(query: BlockQuery): Promise<BlockPage>;
  getRun(id: string): Promise<RunView | undefined>;
  listRuns(filter: RunFilter): Promise<RunView[]>;
}

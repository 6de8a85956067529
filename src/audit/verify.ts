/**
 * Walks the chain in order and names the first seq where it stops being what was written:
 * - missing:        a seq is absent (an event was deleted, or events were reordered);
 * - out_of_order:   a seq repeats or goes back (an event was inserted, or events were reordered);
 * - renumbered:     a stored row's seq differs from the seq inside its hashed JSON;
 * - column_mismatch: an indexed column (action, client...) differs from the hashed JSON, so filters would lie;
 * - malformed:      the stored JSON does not parse;
 * - hash_mismatch:  the event's hash is not SHA-256(prev_hash ‖ canonical event): the event was modified;
 * - broken_link:    prev_hash is not the previous event's hash;
 * - checkpoint_mismatch: the chain is internally consistent but differs from a signed checkpoint
 *                   (it was rewritten and re-hashed after the last checkpoint that still matches);
 * - unanchored:     the first event is neither seq 1 from genesis nor linked to a signed retention checkpoint;
 * - bad_signature:  a checkpoint's signature does not verify with the given public key;
 * - checkpoint_missing: a signed checkpoint recorded outside the checkpoint table (the audit.checkpoint
 *                   event in the chain, or the file next to the database) is not among the stored ones,
 *                   or, with a key, events older than a checkpoint interval are covered by none:
 *                   checkpoints were deleted.
 * Each fault names the first bad seq, and `range` the narrowest span that holds the change when the
 * chain alone cannot say which event it was (a re-hashed stretch between two checkpoints).
 */
import { chainHash, hashedBody } from './chain.ts';
import type { CheckpointVerifier } from './checkpoint.ts';
import type { AuditRow, Checkpoint } from './pull-types.ts';
import { type AuditEvent, GENESIS_HASH } from './types.ts';

export type ChainFault =
  | 'missing'
  | 'out_of_order'
  | 'renumbered'
  | 'column_mismatch'
  | 'malformed'
  | 'hash_mismatch'
  | 'broken_link'
  | 'checkpoint_mismatch'
  | 'unanchored'
  | 'bad_signature'
  | 'checkpoint_missing';

export interface VerifyReport {
  ok: boolean;
  /** Events checked before the first fault (all of them when ok). */
  checked: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** Signed checkpoints whose seq was reached and whose hash matched. */
  checkpointsMatched: number;
  /** Whether checkpoint signatures were checked (a public key was given). */
  signatures: 'verified' | 'unchecked';
  fault?: { seq: number; reason: ChainFault; detail: string; range?: { from: number; to: number } };
  /** Events after this seq are covered by no signed checkpoint (a cut or an append there is undetectable). */
  uncoveredAfter?: number;
}

export interface VerifyOptions {
  /** Checkpoints kept outside the checkpoint table (the file next to the database): each must be stored too. */
  external?: Checkpoint[];
  /** With a key: events before this ISO time must be covered by a signed checkpoint. */
  coveredBefore?: string;
  /** Report `uncoveredAfter` (the API and the CLI show it). */
  coverage?: boolean;
}

/** Stored column → hashed field; events written before the snake_case rename used the camelCase name. */
const COLUMNS = [
  ['id', 'id', 'id'],
  ['time', 'time', 'time'],
  ['action', 'action', 'action'],
  ['outcome', 'outcome', 'outcome'],
  ['clientId', 'client_id', 'clientId'],
  ['runId', 'run_id', 'runId'],
  ['playbook', 'playbook', 'playbook'],
  ['target', 'target', 'target'],
] as const;

/** An event as read (from the database or an export), possibly written before the snake_case rename. */
type ReadEvent = AuditEvent & { prevHash?: string };

/** The previous hash of an event of either naming. */
const prevHashOf = (e: ReadEvent): string => e.prev_hash ?? e.prevHash ?? '';

export class ChainVerifier {
  private readonly bySeq = new Map<number, Checkpoint>();
  private prev: { seq: number; hash: string } | undefined;
  private checked = 0;
  private firstSeq: number | null = null;
  private matched = 0;
  private lastMatched: number | undefined;
  private fault: VerifyReport['fault'];
  /** The last event before `coveredBefore` (checkpoint records aside), which a checkpoint must cover. */
  private lastOld: number | undefined;

  private readonly signatures: VerifyReport['signatures'];
  private readonly key: CheckpointVerifier | undefined;
  private readonly options: VerifyOptions;
  private constructor(signatures: VerifyReport['signatures'], key: CheckpointVerifier | undefined, options: VerifyOptions) {
    this.signatures = signatures;
    this.key = key;
    this.options = options;
  }

  /** Checks the checkpoints' signatures first (when a key is given); a bad one is a fault at its seq. */
  static async create(checkpoints: Checkpoint[], key?: CheckpointVerifier, options: VerifyOptions = {}): Promise<ChainVerifier> {
    const v = new ChainVerifier(key ? 'verified' : 'unchecked', key, options);
    for (const c of [...checkpoints].sort((a, b) => a.seq - b.seq)) {
      if (key && !(await key.verify(c))) {
        v.fail(c.seq, 'bad_signature', `the checkpoint at seq ${c.seq} (key ${c.keyId}) does not verify with key ${key.keyId}`);
        break;
      }
      v.bySeq.set(c.seq, c);
    }
    for (const c of options.external ?? []) {
      if (v.failed) break;
      const stored = v.bySeq.get(c.seq);
      if (stored?.hash === c.hash && stored.signature === c.signature) continue;
      if (key && !(await key.verify(c))) continue; // not ours: proves nothing either way
      v.fail(c.seq, 'checkpoint_missing', `the signed checkpoint of seq ${c.seq} (${c.time}) in the checkpoint file is ${stored ? 'different in' : 'missing from'} the database: checkpoints were deleted or replaced`);
    }
    return v;
  }

  get failed(): boolean {
    return this.fault !== undefined;
  }

  /** Checks one event (with its stored row on the database path); false once the chain is broken. */
  async push(event: ReadEvent, row?: AuditRow): Promise<boolean> {
    if (this.fault) return false;
    const seq = event.seq;
    if (!this.prev) {
      if (!(await this.anchorFirst(event))) return false;
    } else if (seq > this.prev.seq + 1) {
      return this.fail(this.prev.seq + 1, 'missing', `seq ${this.prev.seq + 1} is missing (the next event is seq ${seq}): deleted or moved`);
    } else if (seq <= this.prev.seq) {
      return this.fail(seq, 'out_of_order', `seq ${seq} appears again after seq ${this.prev.seq}: an event was inserted or moved`);
    }
    if (row && row.seq !== seq) return this.fail(row.seq, 'renumbered', `the row stored as seq ${row.seq} holds the event hashed as seq ${seq}`);
    if (row) {
      const fields = event as unknown as Record<string, unknown>;
      for (const [column, field, legacy] of COLUMNS) {
        if ((row[column] ?? undefined) !== (fields[field] ?? fields[legacy])) {
          return this.fail(seq, 'column_mismatch', `column ${column} of seq ${seq} differs from the hashed event`);
        }
      }
    }
    const { prev_hash: _snake, prevHash: _camel, hash, ...body } = event;
    const prevHash = prevHashOf(event);
    const recomputed = await chainHash(prevHash, row ? row.event : hashedBody(body));
    if (recomputed !== hash) return this.fail(seq, 'hash_mismatch', `seq ${seq} was modified: its hash does not match its content`);
    if (this.prev && prevHash !== this.prev.hash) {
      return this.fail(seq, 'broken_link', `seq ${seq} does not link to seq ${this.prev.seq} (prev_hash differs)`);
    }
    const checkpoint = this.bySeq.get(seq);
    if (checkpoint) {
      if (checkpoint.hash !== hash) return this.rewritten(seq, 'its signed checkpoint');
      this.matched += 1;
      this.lastMatched = seq;
    }
    if (event.action === 'audit.checkpoint' && !(await this.checkRecorded(event))) return false;
    else if (this.options.coveredBefore && event.time < this.options.coveredBefore) this.lastOld = seq;
    this.prev = { seq, hash };
    this.checked += 1;
    return true;
  }

  /** A fault for a chain that differs from a signed statement at `seq`, with the span it can be in. */
  private rewritten(seq: number, what: string): false {
    const from = (this.lastMatched ?? (this.firstSeq ?? 1) - 1) + 1;
    const since = this.lastMatched === undefined ? 'the start of the log' : `the checkpoint at seq ${this.lastMatched}`;
    const span = from === seq ? `seq ${seq}` : `one of seq ${from} to ${seq}`;
    this.fail(seq, 'checkpoint_mismatch', `the chain at seq ${seq} differs from ${what}: events after ${since} were rewritten (${span} was modified, the rest re-hashed)`);
    if (this.fault) this.fault.range = { from, to: seq };
    return false;
  }

  /**
   * An `audit.checkpoint` event carries a signed checkpoint: it must verify, be among the stored ones,
   * and (as it is written right after the head it signs) match the previous event's hash.
   */
  private async checkRecorded(event: ReadEvent): Promise<boolean> {
    const d = event.detail as { seq?: unknown; hash?: unknown; time?: unknown; kind?: unknown; key_id?: unknown; signature?: unknown } | undefined;
    if (typeof d?.seq !== 'number' || typeof d.hash !== 'string' || typeof d.signature !== 'string') return true;
    const recorded: Checkpoint = { seq: d.seq, hash: d.hash, time: String(d.time), kind: d.kind as Checkpoint['kind'], keyId: String(d.key_id), signature: d.signature };
    if (this.key && !(await this.key.verify(recorded))) return true; // another key's: proves nothing here
    const stored = this.bySeq.get(recorded.seq);
    if (!stored || stored.hash !== recorded.hash) {
      return this.fail(recorded.seq, 'checkpoint_missing', `seq ${event.seq} records a signed checkpoint of seq ${recorded.seq} that is ${stored ? 'different in' : 'missing from'} the stored checkpoints: checkpoints were deleted or replaced`);
    }
    if (this.prev?.seq === recorded.seq && this.prev.hash !== recorded.hash) return this.rewritten(recorded.seq, `the checkpoint recorded at seq ${event.seq}`);
    return true;
  }

  /** A stored event whose JSON does not parse. */
  pushMalformed(seq: number): boolean {
    return this.fail(seq, 'malformed', `the stored event at seq ${seq} is not valid JSON`);
  }

  /** Call after the last event: a signed checkpoint beyond it means the tail was cut off. */
  finish(): VerifyReport {
    const last = this.prev?.seq ?? 0;
    const covered = Math.max(0, ...[...this.bySeq.keys()].filter((s) => s <= last));
    if (!this.fault) {
      const beyond = [...this.bySeq.keys()].filter((s) => s > last).sort((a, b) => a - b)[0];
      if (beyond !== undefined) {
        this.fail(last + 1, 'missing', `a signed checkpoint covers seq ${beyond} but the log ends at seq ${last}: events were deleted from the end`);
        if (this.fault) (this.fault as NonNullable<VerifyReport['fault']>).range = { from: last + 1, to: beyond };
      }
    }
    if (!this.fault && this.key && this.lastOld !== undefined && covered < this.lastOld) {
      const from = covered + 1;
      this.fail(from, 'checkpoint_missing', `events ${from} to ${this.lastOld} are older than the checkpoint interval but no signed checkpoint covers them: checkpoints were deleted (or the service has not been signing)`);
      if (this.fault) (this.fault as NonNullable<VerifyReport['fault']>).range = { from, to: this.lastOld };
    }
    if (!this.fault && this.key && last > 0 && this.bySeq.size === 0) {
      this.fail(this.firstSeq ?? 1, 'checkpoint_missing', `no signed checkpoint covers any of seq ${this.firstSeq} to ${last}: without one a re-hashed, cut or extended log cannot be told from the original`);
      if (this.fault) (this.fault as NonNullable<VerifyReport['fault']>).range = { from: this.firstSeq ?? 1, to: last };
    }
    return {
      ok: !this.fault,
      checked: this.checked,
      firstSeq: this.firstSeq,
      lastSeq: this.prev?.seq ?? null,
      checkpointsMatched: this.matched,
      signatures: this.signatures,
      ...(this.fault ? { fault: this.fault } : {}),
      ...(this.options.coverage && last > covered ? { uncoveredAfter: covered } : {}),
    };
  }

  /** The first event starts at genesis, or links to a signed retention checkpoint (events before it were pruned). */
  private async anchorFirst(event: ReadEvent): Promise<boolean> {
    this.firstSeq = event.seq;
    if (event.seq === 1) {
      if (prevHashOf(event) === GENESIS_HASH) return true;
      return this.fail(1, 'broken_link', 'seq 1 does not start from the genesis hash');
    }
    const anchor = this.bySeq.get(event.seq - 1);
    if (anchor?.kind === 'retention' && anchor.hash === prevHashOf(event)) {
      this.matched += 1;
      this.lastMatched = anchor.seq;
      return true;
    }
    this.fail(
      1,
      'unanchored',
      `the log starts at seq ${event.seq}, and no signed retention checkpoint at seq ${event.seq - 1} anchors it: events 1 to ${event.seq - 1} were deleted`,
    );
    if (this.fault) this.fault.range = { from: 1, to: event.seq - 1 };
    return false;
  }

  private fail(seq: number, reason: ChainFault, detail: string): false {
    this.fault ??= { seq, reason, detail };
    return false;
  }
}

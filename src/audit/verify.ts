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
 * - bad_signature:  a checkpoint's signature does not verify with the given public key.
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
  | 'bad_signature';

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
  fault?: { seq: number; reason: ChainFault; detail: string };
}

const COLUMNS = [
  ['id', 'id'],
  ['time', 'time'],
  ['action', 'action'],
  ['outcome', 'outcome'],
  ['clientId', 'clientId'],
  ['runId', 'runId'],
  ['playbook', 'playbook'],
  ['target', 'target'],
] as const;

export class ChainVerifier {
  private readonly bySeq = new Map<number, Checkpoint>();
  private prev: { seq: number; hash: string } | undefined;
  private checked = 0;
  private firstSeq: number | null = null;
  private matched = 0;
  private lastMatched: number | undefined;
  private fault: VerifyReport['fault'];

  private readonly signatures: VerifyReport['signatures'];
  private constructor(signatures: VerifyReport['signatures']) {
    this.signatures = signatures;
  }

  /** Checks the checkpoints' signatures first (when a key is given); a bad one is a fault at its seq. */
  static async create(checkpoints: Checkpoint[], key?: CheckpointVerifier): Promise<ChainVerifier> {
    const v = new ChainVerifier(key ? 'verified' : 'unchecked');
    for (const c of [...checkpoints].sort((a, b) => a.seq - b.seq)) {
      if (key && !(await key.verify(c))) {
        v.fail(c.seq, 'bad_signature', `the checkpoint at seq ${c.seq} (key ${c.keyId}) does not verify with key ${key.keyId}`);
        break;
      }
      v.bySeq.set(c.seq, c);
    }
    return v;
  }

  get failed(): boolean {
    return this.fault !== undefined;
  }

  /** Checks one event (with its stored row on the database path); false once the chain is broken. */
  async push(event: AuditEvent, row?: AuditRow): Promise<boolean> {
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
      for (const [column, field] of COLUMNS) {
        if ((row[column] ?? undefined) !== event[field]) {
          return this.fail(seq, 'column_mismatch', `column ${column} of seq ${seq} differs from the hashed event`);
        }
      }
    }
    const { prevHash, hash, ...body } = event;
    const recomputed = await chainHash(prevHash, row ? row.event : hashedBody(body));
    if (recomputed !== hash) return this.fail(seq, 'hash_mismatch', `seq ${seq} was modified: its hash does not match its content`);
    if (this.prev && prevHash !== this.prev.hash) {
      return this.fail(seq, 'broken_link', `seq ${seq} does not link to seq ${this.prev.seq} (prev_hash differs)`);
    }
    const checkpoint = this.bySeq.get(seq);
    if (checkpoint) {
      if (checkpoint.hash !== hash) {
        const since = this.lastMatched === undefined ? 'the start of the log' : `the checkpoint at seq ${this.lastMatched}`;
        return this.fail(seq, 'checkpoint_mismatch', `the chain at seq ${seq} differs from its signed checkpoint: events after ${since} were rewritten`);
      }
      this.matched += 1;
      this.lastMatched = seq;
    }
    this.prev = { seq, hash };
    this.checked += 1;
    return true;
  }

  /** A stored event whose JSON does not parse. */
  pushMalformed(seq: number): boolean {
    return this.fail(seq, 'malformed', `the stored event at seq ${seq} is not valid JSON`);
  }

  /** Call after the last event: a signed checkpoint beyond it means the tail was cut off. */
  finish(): VerifyReport {
    if (!this.fault) {
      const last = this.prev?.seq ?? 0;
      const beyond = [...this.bySeq.keys()].filter((s) => s > last).sort((a, b) => a - b)[0];
      if (beyond !== undefined) {
        this.fail(last + 1, 'missing', `a signed checkpoint covers seq ${beyond} but the log ends at seq ${last}: events were deleted from the end`);
      }
    }
    return {
      ok: !this.fault,
      checked: this.checked,
      firstSeq: this.firstSeq,
      lastSeq: this.prev?.seq ?? null,
      checkpointsMatched: this.matched,
      signatures: this.signatures,
      ...(this.fault ? { fault: this.fault } : {}),
    };
  }

  /** The first event starts at genesis, or links to a signed retention checkpoint (events before it were pruned). */
  private async anchorFirst(event: AuditEvent): Promise<boolean> {
    this.firstSeq = event.seq;
    if (event.seq === 1) {
      if (event.prevHash === GENESIS_HASH) return true;
      return this.fail(1, 'broken_link', 'seq 1 does not start from the genesis hash');
    }
    const anchor = this.bySeq.get(event.seq - 1);
    if (anchor?.kind === 'retention' && anchor.hash === event.prevHash) {
      this.matched += 1;
      this.lastMatched = anchor.seq;
      return true;
    }
    return this.fail(
      1,
      'unanchored',
      `the log starts at seq ${event.seq}, and no signed retention checkpoint at seq ${event.seq - 1} anchors it: events 1 to ${event.seq - 1} were deleted`,
    );
  }

  private fail(seq: number, reason: ChainFault, detail: string): false {
    this.fault ??= { seq, reason, detail };
    return false;
  }
}

/** Making checkpoints and pruning by age: runtime-free, driven by src/node.ts timers and the HTTP route. */
import type { Store } from '../store/types.ts';
import type { CheckpointSigner } from './checkpoint.ts';
import type { Checkpoint, CheckpointKind } from './pull-types.ts';
import type { AuditEventInput } from './types.ts';

/** A copy of every checkpoint kept outside the database (src/audit/checkpoint-file.ts on Node). */
export interface CheckpointLog {
  append(c: Checkpoint): void | Promise<void>;
  read(): Checkpoint[] | Promise<Checkpoint[]>;
}

export interface CheckpointOptions {
  /** Also append the checkpoint here. */
  log?: CheckpointLog;
  /**
   * Also record it as an `audit.checkpoint` event, so pollers and SIEM exports hold a signed copy
   * outside the database (deleting it from the database is then detectable there and by verify).
   */
  record?: boolean;
}

/** The checkpoint as the API and events carry it (snake_case). */
export const checkpointJson = (c: Checkpoint) => ({ seq: c.seq, hash: c.hash, time: c.time, kind: c.kind, key_id: c.keyId, signature: c.signature });

export function checkpointEvent(c: Checkpoint): AuditEventInput {
  return { action: 'audit.checkpoint', outcome: 'success', detail: checkpointJson(c) };
}

/** Whether `seq` is the event recording the checkpoint at `checkpointSeq` (a quiet log stays quiet). */
async function isCheckpointRecord(store: Store, seq: number, checkpointSeq: number): Promise<boolean> {
  const [event] = await store.auditAfter(seq - 1, 1);
  return event?.action === 'audit.checkpoint' && event.detail?.seq === checkpointSeq;
}

/**
 * Signs the current head, unless the latest checkpoint already covers it (a quiet log gets no new
 * checkpoints). Returns the checkpoint that covers the head, or undefined for an empty log.
 */
export async function checkpointHead(
  store: Store,
  signer: CheckpointSigner,
  now: number,
  kind: Exclude<CheckpointKind, 'retention'>,
  options: CheckpointOptions = {},
): Promise<Checkpoint | undefined> {
  const head = await store.auditHead();
  if (head.seq === 0) return undefined;
  const latest = await store.latestAuditCheckpoint();
  if (latest && latest.seq >= head.seq) return latest;
  if (latest && head.seq === latest.seq + 1 && (await isCheckpointRecord(store, head.seq, latest.seq))) return latest;
  const checkpoint = await signer.sign({ seq: head.seq, hash: head.hash, time: new Date(now).toISOString(), kind });
  await store.addAuditCheckpoint(checkpoint);
  await options.log?.append(checkpoint);
  if (options.record) await store.commit({ audit: [checkpointEvent(checkpoint)] });
  return checkpoint;
}

/** Events deleted per transaction, so one prune never holds the writer for long. */
export const PRUNE_BATCH = 50_000;

/**
 * Deletes events older than the retention period, oldest first, in batches. Each batch ends at a
 * signed retention checkpoint, stored in the same transaction, which anchors the first event kept:
 * the remaining chain still verifies from it. Returns how many events were deleted.
 */
export async function pruneAuditLog(store: Store, signer: CheckpointSigner, now: number, retentionMs: number, options: CheckpointOptions = {}): Promise<number> {
  const before = new Date(now - retentionMs).toISOString();
  let deleted = 0;
  for (;;) {
    const cutoff = await store.auditRetentionCutoff(before, PRUNE_BATCH);
    if (!cutoff) return deleted;
    const anchor = await signer.sign({ ...cutoff, time: new Date(now).toISOString(), kind: 'retention' });
    const n = await store.pruneAudit(anchor);
    if (n === 0) return deleted;
    await options.log?.append(anchor);
    if (options.record) await store.commit({ audit: [checkpointEvent(anchor)] });
    deleted += n;
  }
}

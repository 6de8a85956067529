/** Making checkpoints and pruning by age: runtime-free, driven by src/node.ts timers and the HTTP route. */
import type { Store } from '../store/types.ts';
import type { CheckpointSigner } from './checkpoint.ts';
import type { Checkpoint, CheckpointKind } from './pull-types.ts';

/**
 * Signs the current head, unless the latest checkpoint already covers it (a quiet log gets no new
 * checkpoints). Returns the checkpoint that covers the head, or undefined for an empty log.
 */
export async function checkpointHead(
  store: Store,
  signer: CheckpointSigner,
  now: number,
  kind: Exclude<CheckpointKind, 'retention'>,
): Promise<Checkpoint | undefined> {
  const head = await store.auditHead();
  if (head.seq === 0) return undefined;
  const latest = await store.latestAuditCheckpoint();
  if (latest && latest.seq >= head.seq) return latest;
  const checkpoint = await signer.sign({ seq: head.seq, hash: head.hash, time: new Date(now).toISOString(), kind });
  await store.addAuditCheckpoint(checkpoint);
  return checkpoint;
}

/** Events deleted per transaction, so one prune never holds the writer for long. */
export const PRUNE_BATCH = 50_000;

/**
 * Deletes events older than the retention period, oldest first, in batches. Each batch ends at a
 * signed retention checkpoint, stored in the same transaction, which anchors the first event kept:
 * the remaining chain still verifies from it. Returns how many events were deleted.
 */
export async function pruneAuditLog(store: Store, signer: CheckpointSigner, now: number, retentionMs: number): Promise<number> {
  const before = new Date(now - retentionMs).toISOString();
  let deleted = 0;
  for (;;) {
    const cutoff = await store.auditRetentionCutoff(before, PRUNE_BATCH);
    if (!cutoff) return deleted;
    const anchor = await signer.sign({ ...cutoff, time: new Date(now).toISOString(), kind: 'retention' });
    const n = await store.pruneAudit(anchor);
    if (n === 0) return deleted;
    deleted += n;
  }
}

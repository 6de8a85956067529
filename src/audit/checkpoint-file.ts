/**
 * Node only: an append-only JSON-lines copy of every signed checkpoint next to the database
 * (like CloudTrail's digest files beside the logs), so deleting checkpoints from the database is
 * detectable by verify. A line that does not parse is skipped (a torn last write after a crash).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { CheckpointLog } from './checkpointer.ts';
import type { Checkpoint } from './pull-types.ts';

export const CHECKPOINT_FILE = 'audit-checkpoints.jsonl';

export function fileCheckpointLog(path: string): CheckpointLog {
  return {
    append(c) {
      const line = { seq: c.seq, hash: c.hash, time: c.time, kind: c.kind, key_id: c.keyId, signature: c.signature };
      appendFileSync(path, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    },
    read() {
      if (!existsSync(path)) return [];
      const out: Checkpoint[] = [];
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          const c = JSON.parse(line) as { seq: number; hash: string; time: string; kind: Checkpoint['kind']; key_id: string; signature: string };
          if (typeof c.seq === 'number' && typeof c.hash === 'string' && typeof c.signature === 'string') {
            out.push({ seq: c.seq, hash: c.hash, time: c.time, kind: c.kind, keyId: c.key_id, signature: c.signature });
          }
        } catch {
          // a torn line: ignored
        }
      }
      return out;
    },
  };
}

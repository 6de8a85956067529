/** Verifies the stored log (GET /v1/audit/verify): every row, from the first kept to the head at the start. */
import type { Store } from '../store/types.ts';
import type { CheckpointVerifier } from './checkpoint.ts';
import { type AuditRow, rowToEvent } from './pull-types.ts';
import type { AuditEvent } from './types.ts';
import { ChainVerifier, type VerifyOptions, type VerifyReport } from './verify.ts';

const PAGE = 2_000;
/** More checkpoints than a century of hourly ones; the verifier keeps them in memory. */
const MAX_CHECKPOINTS = 1_000_000;

export async function verifyStore(store: Store, key?: CheckpointVerifier, options: VerifyOptions = {}): Promise<VerifyReport> {
  const verifier = await ChainVerifier.create(await store.auditCheckpoints(0, MAX_CHECKPOINTS), key, options);
  // Fix the end first: events appended while verifying are left for the next run.
  const through = await store.auditHeadSeq();
  let after = 0;
  while (!verifier.failed) {
    const { rows } = await store.auditPage({ after, limit: PAGE, through });
    if (rows.length === 0) break;
    for (const row of rows) {
      const event = parseRow(row);
      if (!(await (event ? verifier.push(event, row) : verifier.pushMalformed(row.seq)))) break;
    }
    after = rows.at(-1)?.seq ?? through;
  }
  return verifier.finish();
}

function parseRow(row: AuditRow): AuditEvent | undefined {
  try {
    const event = rowToEvent(row);
    return typeof event.seq === 'number' ? event : undefined;
  } catch {
    return undefined;
  }
}

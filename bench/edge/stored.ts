/**
 * What the service durably stored during a measurement, read from its SQLite file after it stopped:
 * runs and audit events by action. The bench fails when the runs stored differ from the 2xx answers.
 */
import { DatabaseSync } from 'node:sqlite';

export interface StoredCounts {
  runs: number;
  auditByAction: Record<string, number>;
}

export function storedCounts(dbPath: string): StoredCounts {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    const runs = (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
    const rows = db.prepare('SELECT action, count(*) AS n FROM audit_events GROUP BY action').all() as { action: string; n: number }[];
    return { runs, auditByAction: Object.fromEntries(rows.map((r) => [r.action, r.n])) };
  } finally {
    db.close();
  }
}

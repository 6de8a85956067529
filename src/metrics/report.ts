import type { AuditEvent } from '../audit/types.ts';
import type { Store } from '../store/types.ts';
import { LeadTimeTracker, type LeadTimeObservation } from './lead-time.ts';

export interface Quantiles {
  count: number;
  p50: number | null;
  p95: number | null;
  max: number | null;
}

export interface ChangesReport {
  generated_at: string;
  window: { since: string; until: string; weeks: number };
  /** One row per ISO week (Monday, UTC) in which runs were received, oldest first. */
  weeks: { week: string; starts: string; runs_received: number; runs_applied: number; auto_approved_share: number | null; lead_time_seconds: Quantiles }[];
  totals: { runs_received: number; runs_applied: number; auto_approved_share: number | null; lead_time_seconds: Quantiles; approval_wait_seconds: Quantiles };
  by_connector: { connector: string; lead_time_seconds: Quantiles }[];
  backlog: { pending_approvals: number; oldest_age_seconds: number; median_age_seconds: number };
}

const WEEK = 7 * 86_400_000;

/**
 * "Time to secure deployment", the brief's unified metric, from the audit log: for each run received in
 * the window, the time from the call to its changes applied on every target (approval wait included),
 * p50/p95 per ISO week; the share applied without a person; and the approval backlog now. Reads the log
 * in pages (flat memory in the number of events; the tracker holds the runs in flight).
 */
export async function changesReport(store: Store, now: number, weeks = 12): Promise<ChangesReport> {
  const since = startOfIsoWeek(now - (weeks - 1) * WEEK);
  const tracker = new LeadTimeTracker();
  const observations: LeadTimeObservation[] = [];
  let after = 0;
  for (;;) {
    const page = await store.auditPage({ after, limit: 1000, since: new Date(since).toISOString() });
    for (const row of page.rows) observations.push(...tracker.feed(JSON.parse(row.event) as AuditEvent));
    if (page.scannedTo <= after || page.rows.length < 1000) break;
    after = page.scannedTo;
  }
  const byWeek = new Map<string, { starts: number; received: number; auto: number; leads: number[] }>();
  const weekOf = (t: number) => {
    const start = startOfIsoWeek(t);
    const key = isoWeek(start);
    let w = byWeek.get(key);
    if (!w) {
      w = { starts: start, received: 0, auto: 0, leads: [] };
      byWeek.set(key, w);
    }
    return w;
  };
  const leads: number[] = [];
  const waits: number[] = [];
  const perConnector = new Map<string, number[]>();
  let received = 0;
  let auto = 0;
  for (const o of observations) {
    if (o.kind === 'received') {
      received++;
      if (o.autoApproved) auto++;
      const w = weekOf(o.receivedAt);
      w.received++;
      if (o.autoApproved) w.auto++;
    } else if (o.kind === 'run_applied') {
      leads.push(o.seconds);
      weekOf(o.receivedAt).leads.push(o.seconds);
    } else if (o.kind === 'target_applied') {
      const list = perConnector.get(o.connector) ?? perConnector.set(o.connector, []).get(o.connector);
      list?.push(o.seconds);
    } else if (o.kind === 'approval') waits.push(o.seconds);
  }
  const waiting = await store.listRuns({ status: 'pending_approval', limit: 1000 });
  const ages = waiting.map((r) => (now - r.createdAt) / 1000).sort((a, b) => a - b);
  return {
    generated_at: new Date(now).toISOString(),
    window: { since: new Date(since).toISOString(), until: new Date(now).toISOString(), weeks },
    weeks: [...byWeek.entries()]
      .sort((a, b) => a[1].starts - b[1].starts)
      .map(([week, w]) => ({
        week,
        starts: new Date(w.starts).toISOString(),
        runs_received: w.received,
        runs_applied: w.leads.length,
        auto_approved_share: w.received ? w.auto / w.received : null,
        lead_time_seconds: quantiles(w.leads),
      })),
    totals: { runs_received: received, runs_applied: leads.length, auto_approved_share: received ? auto / received : null, lead_time_seconds: quantiles(leads), approval_wait_seconds: quantiles(waits) },
    by_connector: [...perConnector.entries()].sort().map(([connector, list]) => ({ connector, lead_time_seconds: quantiles(list) })),
    backlog: { pending_approvals: waiting.length, oldest_age_seconds: ages[ages.length - 1] ?? 0, median_age_seconds: nearestRank(ages, 0.5) ?? 0 },
  };
}

/** Nearest-rank quantiles (no interpolation: every figure is a lead time that happened). */
export function quantiles(values: number[]): Quantiles {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: nearestRank(sorted, 0.5), p95: nearestRank(sorted, 0.95), max: sorted[sorted.length - 1] ?? null };
}

function nearestRank(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** Monday 00:00 UTC of the week holding t. */
export function startOfIsoWeek(t: number): number {
  const d = new Date(t);
  const day = (d.getUTCDay() + 6) % 7;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day);
}

/** "2026-W49" (ISO 8601 week date of a Monday). */
export function isoWeek(monday: number): string {
  const thursday = new Date(monday + 3 * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / WEEK) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

import type { AuditEvent } from '../audit/types.ts';

/** What one run's life says about "time to secure deployment". */
export interface RunObservation {
  runId: string;
  playbook: string;
  action: string;
  /** Epoch ms the call was received. */
  receivedAt: number;
  /** Whether the run applied without a person (auto or policy approval). */
  autoApproved: boolean;
}

export type LeadTimeObservation =
  | ({ kind: 'target_applied'; connector: string; target: string; seconds: number } & RunObservation)
  | ({ kind: 'run_applied'; seconds: number } & RunObservation)
  | ({ kind: 'approval'; decision: 'approved' | 'rejected' | 'approval_expired'; seconds: number } & RunObservation)
  | ({ kind: 'received' } & RunObservation);

interface Tracked extends RunObservation {
  /** Targets ("connector/target") not yet settled. */
  pending: Set<string>;
  waitingSince?: number;
}

const KEEP_MS = 14 * 86_400_000;

/**
 * Follows audit events in seq order and says when each run was received, approved and applied on each
 * of its targets. A target counts as applied at the first successful reconcile pass on it that settles
 * the run; the run is applied when every target is. Pure and incremental: the live metrics feed it each
 * committed batch, the report feeds it a window of the log. Runs received before the events it saw are
 * not tracked (after a restart, the metrics start with the next run; the report reads the log).
 */
export class LeadTimeTracker {
  private readonly runs = new Map<string, Tracked>();

  feed(event: AuditEvent): LeadTimeObservation[] {
    const t = Date.parse(event.time);
    const out: LeadTimeObservation[] = [];
    if ((event.action === 'run.accepted' || event.action === 'run.pending_approval') && event.run_id) {
      const detail = (event.detail ?? {}) as { action?: string; targets?: { connector: string; target: string }[] };
      const waiting = event.action === 'run.pending_approval';
      const tracked: Tracked = {
        runId: event.run_id,
        playbook: event.playbook ?? '',
        action: detail.action ?? '',
        receivedAt: t,
        autoApproved: !waiting,
        pending: new Set((detail.targets ?? []).map((x) => `${x.connector}/${x.target}`)),
        ...(waiting ? { waitingSince: t } : {}),
      };
      this.runs.set(event.run_id, tracked);
      out.push({ kind: 'received', ...base(tracked) });
      if (!waiting && tracked.pending.size === 0) this.runs.delete(event.run_id);
      this.prune(t);
      return out;
    }
    if ((event.action === 'run.approved' || event.action === 'run.rejected' || event.action === 'run.approval_expired') && event.run_id) {
      const tracked = this.runs.get(event.run_id);
      if (!tracked) return out;
      const decision = event.action === 'run.approved' ? 'approved' : event.action === 'run.rejected' ? 'rejected' : 'approval_expired';
      out.push({ kind: 'approval', decision, seconds: (t - (tracked.waitingSince ?? tracked.receivedAt)) / 1000, ...base(tracked) });
      tracked.waitingSince = undefined;
      if (decision !== 'approved') this.runs.delete(event.run_id);
      return out;
    }
    if (event.action === 'reconcile.pass' && event.outcome === 'success' && event.target) {
      const runs = ((event.detail ?? {}) as { runs?: unknown[] }).runs ?? [];
      for (const id of runs) {
        const tracked = typeof id === 'string' ? this.runs.get(id) : undefined;
        if (!tracked || tracked.waitingSince !== undefined || !tracked.pending.delete(event.target)) continue;
        const [connector = '', target = ''] = event.target.split('/');
        const seconds = (t - tracked.receivedAt) / 1000;
        out.push({ kind: 'target_applied', connector, target, seconds, ...base(tracked) });
        if (tracked.pending.size === 0) {
          out.push({ kind: 'run_applied', seconds, ...base(tracked) });
          this.runs.delete(tracked.runId);
        }
      }
    }
    return out;
  }

  /** Runs received and not yet applied (or still waiting for approval). */
  get inFlight(): number {
    return this.runs.size;
  }

  private prune(now: number) {
    if (this.runs.size < 10_000) return;
    for (const [id, r] of this.runs) if (now - r.receivedAt > KEEP_MS) this.runs.delete(id);
  }
}

const base = (t: Tracked): RunObservation => ({ runId: t.runId, playbook: t.playbook, action: t.action, receivedAt: t.receivedAt, autoApproved: t.autoApproved });

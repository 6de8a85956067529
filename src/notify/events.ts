/**
 * What a subscriber is told, derived from the audit log (the one record of what happened): the
 * notifier reads events after its durable cursor and turns the ones below into notifications.
 */
import type { AuditEvent } from '../audit/types.ts';
import type { Store } from '../store/types.ts';
import type { NotifyEvent } from './config.ts';

export interface Notification {
  type: NotifyEvent;
  /** ISO time of the audit event it comes from. */
  timestamp: string;
  data: Record<string, unknown>;
  /** One notification per key and subscription, however often the source is read (at-least-once input). */
  dedupeKey: string;
}

const SETTLED: Record<string, NotifyEvent> = { applied: 'run.applied', failed: 'run.failed', partially_applied: 'run.partially_applied' };

export async function notificationsFor(event: AuditEvent, store: Pick<Store, 'getRun'>): Promise<Notification[]> {
  const detail = event.detail ?? {};
  const at = { timestamp: event.time };
  switch (event.action) {
    case 'run.pending_approval': {
      if (!event.run_id) return [];
      const data = { run_id: event.run_id, playbook: event.playbook, client: event.client_id, inputs: detail.inputs, decision: detail.decision, audit_seq: event.seq };
      return [{ type: 'run.pending_approval', ...at, data, dedupeKey: `run.pending_approval:${event.run_id}` }];
    }
    case 'reconcile.pass': {
      const out: Notification[] = [];
      const runs = Array.isArray(detail.runs) ? detail.runs.filter((r): r is string => typeof r === 'string' && r.startsWith('run_')) : [];
      for (const id of runs) {
        const run = await store.getRun(id);
        const type = run ? SETTLED[run.status] : undefined;
        if (!run || !type) continue;
        const errors = run.perTarget.flatMap((t) => t.errors.map((e) => `${t.connector}/${t.target}: ${e}`));
        out.push({
          type,
          ...at,
          data: { run_id: id, playbook: run.playbook, client: run.clientId, status: run.status, targets: run.perTarget, ...(errors.length ? { detail: errors.slice(0, 5).join('; ') } : {}) },
          dedupeKey: `${type}:${id}`,
        });
      }
      // capacity.exceeded is threshold-based, from the desired state (capacity.ts), not from passes.
      return out;
    }
    case 'drift.healed':
      return [{ type: 'drift.healed', ...at, data: { target: event.target, changes: detail.changes, outcome: event.outcome }, dedupeKey: `drift.healed:${event.id}` }];
    case 'audit.verify_failed':
      return [{ type: 'audit.verify_failed', ...at, data: { ...detail }, dedupeKey: `audit.verify_failed:${String(detail.seq ?? event.id)}` }];
    default:
      return [];
  }
}

import type { AuditEventInput } from '../audit/types.ts';
import type { Connector } from '../connectors/types.ts';
import type { Intent, RunWork } from '../runs/types.ts';
import type { Clock, Logger } from '../services.ts';
import type { Store } from '../store/types.ts';
import { PLACEMENTS } from './desired.ts';
import { type AdoptionOutcome, adoptForeignRules } from './adopt.ts';
import { type PassPlan, applyPass, describeRule, planPass } from './pass.ts';

export interface ReconcilerDeps {
  store: Store;
  connectors: Map<string, Connector>;
  clock: Clock;
  log: Logger;
}

interface TargetState {
  running?: Promise<void>;
  again?: { promise: Promise<void>; resolve: () => void };
}

/**
 * One loop per target. At most one pass runs per target at a time; intents that arrive during a pass
 * are coalesced into the next one, so a burst of a thousand blocks is a few passes, not a thousand writes.
 * A pass converges the target on the desired state, so retries, crashes and duplicates are the same case.
 */
export class Reconciler {
  private readonly targets = new Map<string, TargetState>();
  private readonly deps: ReconcilerDeps;
  constructor(deps: ReconcilerDeps) {
    this.deps = deps;
  }

  /** Runs (or queues) a pass for a target; resolves when a pass that saw the current intents has finished. */
  schedule(connectorId: string, targetId: string): Promise<void> {
    const key = `${connectorId}/${targetId}`;
    const state = this.targets.get(key) ?? {};
    this.targets.set(key, state);
    if (state.running) {
      if (!state.again) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => {
          resolve = r;
        });
        state.again = { promise, resolve };
      }
      return state.again.promise;
    }
    state.running = this.loop(connectorId, targetId, state);
    return state.running;
  }

  private async loop(connectorId: string, targetId: string, state: TargetState): Promise<void> {
    await this.passSafely(connectorId, targetId);
    while (state.again) {
      const waiting = state.again;
      state.again = undefined;
      await this.passSafely(connectorId, targetId);
      waiting.resolve();
    }
    state.running = undefined;
  }

  private async passSafely(connectorId: string, targetId: string): Promise<void> {
    try {
      await this.pass(connectorId, targetId);
    } catch (error) {
      this.deps.log.error({ error: String(error), connector: connectorId, target: targetId }, 'reconcile pass failed');
      await this.deps.store
        .commit({
          audit: [{ action: 'reconcile.failed', outcome: 'failure', target: `${connectorId}/${targetId}`, detail: { error: String(error) } }],
        })
        .catch(() => undefined);
    }
  }

  /** The exact cloud operations a pass would make with extra intents added or retracted (dry run). */
  async preview(connectorId: string, targetId: string, add: Intent[], retract: Intent[]): Promise<PassPlan> {
    const connector = this.connector(connectorId);
    const retracted = new Set(retract.map((r) => r.id));
    const current = await this.deps.store.intentsForTarget(connectorId, targetId);
    const addKeys = new Set(add.map((a) => a.matchKey));
    const intents = [
      ...current.filter((i) => !addKeys.has(i.matchKey)).map((i) => (retracted.has(i.id) ? { ...i, desired: 'absent' as const } : i)),
      ...add,
    ];
    return planPass({ connector, targetId, intents, placements: PLACEMENTS[connector.type] ?? PLACEMENTS['aws-ec2']!, now: this.deps.clock.now() });
  }

  private connector(connectorId: string): Connector {
    const connector = this.deps.connectors.get(connectorId);
    if (!connector) throw new Error(`connector ${connectorId} is not configured`);
    return connector;
  }

  private async pass(connectorId: string, targetId: string): Promise<void> {
    const { store, clock } = this.deps;
    const connector = this.connector(connectorId);
    const target = `${connectorId}/${targetId}`;
    const all = await store.intentsForTarget(connectorId, targetId);
    const now = clock.now();
    let adoption: AdoptionOutcome = { held: new Set(), work: {}, audit: [] };
    let intents = all;
    let planned: PassPlan;
    const input = () => ({ connector, targetId, intents, placements: PLACEMENTS[connector.type] ?? PLACEMENTS['aws-ec2']!, now });
    try {
      // adopt-rules first: foreign rules named by intents get the marker, so the pass finds them owned.
      adoption = await adoptForeignRules(connector, targetId, all, target, now);
      intents = all.filter((i) => !adoption.held.has(i.id));
      planned = await planPass(input());
    } catch (error) {
      // The target could not even be read: every pending intent fails with the reason (the runs say so);
      // failed intents are retried on the next pass (new intents, expiry or the periodic drift pass).
      const reason = `could not read the target: ${error instanceof Error ? error.message : String(error)}`;
      const pending = intents.filter((i) => i.state === 'pending');
      await store.commit({
        intentOutcomes: pending.map((i) => ({ id: i.id, state: 'failed' as const, error: reason, at: now })),
        audit: [{ action: 'reconcile.pass', outcome: 'failure', target, detail: { intents: intents.length, error: reason } }],
      });
      return;
    }
    if (planned.changes.length) {
      // Recorded before the cloud is called: if the process dies (or the store fails) after the cloud
      // calls and before their results commit, the log still says what was about to change, and why.
      await store.commit({
        audit: [
          {
            action: 'reconcile.planned',
            outcome: 'pending',
            target,
            detail: { changes: planned.changes.slice(0, 50).map((c) => ({ op: c.op, rule: describeRule(c.rule) })), total: planned.changes.length },
          },
        ],
      });
    }
    const outcome = await applyPass(input(), planned, target);
    const quarantine = await this.quarantines(connector, targetId, intents, target);
    const work: RunWork = {
      intentOutcomes: [...(adoption.work.intentOutcomes ?? []), ...(outcome.work.intentOutcomes ?? []), ...(quarantine.work.intentOutcomes ?? [])],
    };
    // The runs this pass settled, so the audit log links cloud work back to the calls that asked for it.
    const runIdOf = new Map(intents.map((i) => [i.id, i.runId]));
    const runs = [...new Set((work.intentOutcomes ?? []).flatMap((o) => runIdOf.get(o.id) ?? []))];
    const runsDetail = runs.length > 100 ? [...runs.slice(0, 100), `(+${runs.length - 100} more)`] : runs;
    // Cloud operations carry the runs of the pass that made them (one run: its id; several: the list).
    const linked = outcome.audit.map((e): AuditEventInput =>
      e.action !== 'cloud.operation' || e.runId
        ? e
        : runs.length === 1
          ? { ...e, runId: runs[0] }
          : { ...e, detail: { ...e.detail, runs: runsDetail } },
    );
    const summary: AuditEventInput = {
      action: 'reconcile.pass',
      ...(runs.length === 1 ? { runId: runs[0] } : {}),
      outcome: outcome.results.some((r) => !r.ok) || planned.invalid.length ? 'failure' : 'success',
      target,
      detail: {
        intents: intents.length,
        changes: planned.changes.length,
        rejected_before_call: planned.invalid.length + outcome.refusedBeforeCall.count,
        ...(outcome.refusedBeforeCall.first ? { first_refusal: outcome.refusedBeforeCall.first } : {}),
        overflow: planned.plans.reduce((n, p) => n + p.overflow.reduce((m, o) => m + o.cidrs.length, 0), 0),
        outcomes: countBy(work.intentOutcomes ?? [], (o) => o.state),
        runs: runsDetail,
      },
    };
    await store.commit({ ...work, audit: [...adoption.audit, ...linked, ...quarantine.audit, summary] });
  }

  private async quarantines(connector: Connector, targetId: string, intents: Intent[], target: string): Promise<{ work: RunWork; audit: AuditEventInput[] }> {
    const now = this.deps.clock.now();
    const outcomes: NonNullable<RunWork['intentOutcomes']> = [];
    const audit: AuditEventInput[] = [];
    for (const intent of intents.filter((i) => i.kind === 'quarantine')) {
      const host = intent.spec.host ?? '';
      const present = intent.desired === 'present';
      if (present && intent.state === 'applied') continue;
      // A failure another attempt cannot help (unknown host, missing permission) was reported once, with
      // its reason; it is tried again only when the intent is asked for again (a new run).
      if (intent.state === 'failed' && intent.errorRetryable === false) continue;
      const result = present
        ? await connector.quarantine(targetId, host)
        : await connector.release(targetId, host, intent.cloud);
      audit.push({
        action: present ? 'host.quarantined' : 'host.released',
        outcome: result.ok ? 'success' : 'failure',
        runId: intent.runId,
        target,
        detail: { host, calls: result.calls, ...(result.error ? { error: result.error } : {}) },
      });
      outcomes.push(
        result.ok
          ? { id: intent.id, state: present ? 'applied' : 'removed', ...(present ? { cloud: result.previous ?? null } : {}), at: now }
          : {
              id: intent.id,
              state: 'failed',
              error: `${result.error?.code}: ${result.error?.message}`,
              retryable: result.error?.retryable ?? true,
              at: now,
            },
      );
    }
    return { work: { intentOutcomes: outcomes }, audit };
  }

  /** Retracts every block whose expiry has passed (audited) and reconciles the targets they were on. */
  async sweepExpiries(): Promise<number> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const due = await store.dueExpiries(now);
    if (!due.length) return 0;
    await store.commit({
      retractIntents: due.map((i) => ({ id: i.id, at: now })),
      audit: due.map((i) => ({
        action: 'intent.expired',
        outcome: 'success',
        target: `${i.connectorId}/${i.targetId}`,
        runId: i.runId,
        detail: { intent: i.id, kind: i.kind, cidr: i.spec.cidr ?? null, expired_at: new Date(i.expiresAt ?? now).toISOString() },
      })),
    });
    const targets = new Set(due.map((i) => `${i.connectorId}\u0000${i.targetId}`));
    await Promise.all([...targets].map((t) => this.schedule(...(t.split('\u0000') as [string, string]))));
    return due.length;
  }

  /**
   * On start: overdue expiries, then a pass over every configured target, not only those with pending
   * work: the last known state is not trusted, since anything may have changed while the service was
   * down (a sandbox's simulated clouds even come back empty). Each pass lists and heals its target.
   */
  async resume(): Promise<void> {
    await this.sweepExpiries();
    const pending = await this.deps.store.targetsWithPendingWork();
    const configured = [...this.deps.connectors.values()].flatMap((c) => c.targets().map((t) => ({ connectorId: c.id, targetId: t })));
    const keys = new Set<string>();
    const all = [...pending.filter((t) => this.deps.connectors.has(t.connectorId)), ...configured].filter((t) => {
      const key = `${t.connectorId}\u0000${t.targetId}`;
      return !keys.has(key) && keys.add(key);
    });
    await Promise.all(all.map((t) => this.schedule(t.connectorId, t.targetId)));
  }

  /** A pass over every configured target: heals drift (owned rules changed or deleted out of band). */
  async healAll(): Promise<void> {
    const all = [...this.deps.connectors.values()].flatMap((c) => c.targets().map((t) => [c.id, t] as const));
    await Promise.all(all.map(([c, t]) => this.schedule(c, t)));
  }

  /** Waits for every pass in progress or queued. */
  async idle(): Promise<void> {
    while ([...this.targets.values()].some((s) => s.running)) {
      await Promise.all([...this.targets.values()].map((s) => s.running));
    }
  }
}

function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

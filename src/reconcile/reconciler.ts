import type { AuditEventInput } from '../audit/types.ts';
import type { Connector } from '../connectors/types.ts';
import type { Intent, RunWork } from '../runs/types.ts';
import type { Clock, Logger } from '../platform.ts';
import type { Fence, Store, UnitOfWork } from '../store/types.ts';
import { PLACEMENTS } from './desired.ts';
import { LeaseLost, type ReplicaLeases, targetLease } from './leases.ts';
import { type AdoptionOutcome, adoptForeignRules } from './adopt.ts';
import { type PassPlan, applyPass, describeRule, planPass } from './pass.ts';
import { chainPass } from './chain-pass.ts';
import type { PlacementChain, PlacementChains } from './chains.ts';

export interface ReconcilerDeps {
  store: Store;
  connectors: Map<string, Connector>;
  clock: Clock;
  log: Logger;
  /**
   * Replicas sharing one database: a pass runs only on the replica holding the target's lease, and
   * each cloud write and the commit of its outcomes check the lease's fencing token. Absent: this
   * process is the only reconciler (Workers serialize per target with a Durable Object).
   */
  leases?: ReplicaLeases;
  /**
   * Placement chains: every point of a chain is reconciled by one pass over the whole chain, scheduled
   * under (and leased as) the chain's head, whichever point asked.
   */
  chains?: PlacementChains;
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
    [connectorId, targetId] = this.unitOf(connectorId, targetId);
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
      if (error instanceof LeaseLost) {
        // Another replica holds the target now and runs its passes; nothing of this one was committed.
        this.deps.log.warn({ connector: connectorId, target: targetId }, 'reconcile pass stopped: the target lease was lost');
        await this.deps.store
          .commit({
            audit: [{ action: 'reconcile.fenced', outcome: 'failure', target: `${connectorId}/${targetId}`, detail: { replica: this.deps.leases?.owner ?? null } }],
          })
          .catch(() => undefined);
        return;
      }
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

  /** The target a pass runs for: a chain's head for any of its points, else the target itself. */
  private unitOf(connectorId: string, targetId: string): [string, string] {
    const head = this.deps.chains?.ofPoint(connectorId, targetId)?.points[0];
    return head ? [head.connectorId, head.targetId] : [connectorId, targetId];
  }

  /** Targets, each mapped to the target its pass runs for (chain heads), without repeats. */
  private units(targets: { connectorId: string; targetId: string }[]): { connectorId: string; targetId: string }[] {
    const keys = new Set<string>();
    return targets
      .map((t) => {
        const [connectorId, targetId] = this.unitOf(t.connectorId, t.targetId);
        return { connectorId, targetId };
      })
      .filter((t) => {
        const key = `${t.connectorId}\u0000${t.targetId}`;
        return !keys.has(key) && keys.add(key);
      });
  }

  private connector(connectorId: string): Connector {
    const connector = this.deps.connectors.get(connectorId);
    if (!connector) throw new Error(`connector ${connectorId} is not configured`);
    return connector;
  }

  /**
   * The target's lease for this pass: `null` when another replica holds it (it runs the pass),
   * undefined when there are no leases (a single reconciler).
   */
  private async claimTarget(connectorId: string, targetId: string): Promise<Fence | null | undefined> {
    const leases = this.deps.leases;
    if (!leases) return undefined;
    return (await leases.claim(targetLease(connectorId, targetId))) ?? null;
  }

  /**
   * The hand-over poll: schedules a pass for every target with pending work whose lease is free or
   * ours, and for every configured target whose lease nobody holds (its holder died or stopped: the
   * pass takes the lease and heals the target at once, pending work or not).
   */
  async adoptPending(): Promise<number> {
    const leases = this.deps.leases;
    const pending = this.units((await this.deps.store.targetsWithPendingWork()).filter((t) => this.deps.connectors.has(t.connectorId)));
    const others = leases ? await leases.heldByOthers() : new Set<string>();
    const orphaned = leases
      ? this.units([...this.deps.connectors.values()].flatMap((c) => c.targets().map((targetId) => ({ connectorId: c.id, targetId }))))
          .filter((t) => !others.has(targetLease(t.connectorId, t.targetId)) && !leases.holds(targetLease(t.connectorId, t.targetId)))
      : [];
    const keys = new Set<string>();
    const mine = [...pending.filter((t) => !others.has(targetLease(t.connectorId, t.targetId))), ...orphaned].filter((t) => {
      const key = targetLease(t.connectorId, t.targetId);
      return !keys.has(key) && keys.add(key);
    });
    for (const t of mine) void this.schedule(t.connectorId, t.targetId);
    return mine.length;
  }

  private async pass(connectorId: string, targetId: string): Promise<void> {
    const { store, clock } = this.deps;
    const fence = await this.claimTarget(connectorId, targetId);
    if (fence === null) return;
    const leases = this.deps.leases;
    // With a lease, every cloud write first checks the token, and every commit carries it.
    const connector = fence && leases ? fencedConnector(this.connector(connectorId), () => leases.assertHeld(fence)) : this.connector(connectorId);
    const fenced = () => (fence && leases ? { fence: leases.fenceFor(fence) } : {});
    const chain = this.deps.chains?.headedBy(connectorId, targetId);
    if (chain) {
      await this.chainPass(chain, fence && leases ? (c) => fencedConnector(c, () => leases.assertHeld(fence)) : (c) => c, fenced);
      return;
    }
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
      if (error instanceof LeaseLost) throw error;
      // The target could not even be read: every pending intent fails with the reason (the runs say so);
      // failed intents are retried on the next pass (new intents, expiry or the periodic drift pass).
      const reason = `could not read the target: ${error instanceof Error ? error.message : String(error)}`;
      const pending = intents.filter((i) => i.state === 'pending');
      await store.commit({
        ...fenced(),
        intentOutcomes: pending.map((i) => ({ id: i.id, state: 'failed' as const, error: reason, at: now })),
        audit: [{ action: 'reconcile.pass', outcome: 'failure', target, detail: { intents: intents.length, error: reason } }],
      });
      return;
    }
    if (planned.changes.length) {
      // Recorded before the cloud is called: if the process dies (or the store fails) after the cloud
      // calls and before their results commit, the log still says what was about to change, and why.
      await store.commit({
        ...fenced(),
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
    await store.commit({ ...work, ...fenced(), audit: [...adoption.audit, ...linked, ...quarantine.audit, summary] });
  }

  /** A pass over every point of a placement chain (src/reconcile/chain-pass.ts), committed once. */
  private async chainPass(chain: PlacementChain, wrap: (c: Connector) => Connector, fenced: () => Pick<UnitOfWork, 'fence'>): Promise<void> {
    const { store, clock } = this.deps;
    const connectors = new Map<string, Connector>();
    const connectorOf = (id: string) => {
      let c = connectors.get(id);
      if (!c) {
        c = wrap(this.connector(id));
        connectors.set(id, c);
      }
      return c;
    };
    const result = await chainPass({
      chain,
      connectorOf,
      intentsOf: (p) => store.intentsForTarget(p.connectorId, p.targetId),
      now: clock.now(),
      beforeApply: async (point, planned) => {
        await store.commit({
          ...fenced(),
          audit: [
            {
              action: 'reconcile.planned',
              outcome: 'pending',
              target: point.key,
              detail: { chain: chain.id, changes: planned.changes.slice(0, 50).map((c) => ({ op: c.op, rule: describeRule(c.rule) })), total: planned.changes.length },
            },
          ],
        });
      },
      quarantines: (connector, targetId, intents, target) => this.quarantines(connector, targetId, intents, target),
    });
    await store.commit({ ...result.work, ...fenced(), audit: result.audit });
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

  /**
   * Retracts every block whose expiry has passed (audited) and reconciles the targets they were on;
   * `only` limits the sweep to one target (a Worker's Durable Object sweeps its own target).
   */
  async sweepExpiries(only?: { connectorId: string; targetId: string }): Promise<number> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const due = (await store.dueExpiries(now)).filter((i) => !only || (i.connectorId === only.connectorId && i.targetId === only.targetId));
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
    const targets = this.units(due.map((i) => ({ connectorId: i.connectorId, targetId: i.targetId })));
    await Promise.all(targets.map((t) => this.schedule(t.connectorId, t.targetId)));
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
    const all = this.units([...pending.filter((t) => this.deps.connectors.has(t.connectorId)), ...configured]);
    await Promise.all(all.map((t) => this.schedule(t.connectorId, t.targetId)));
  }

  /** A pass over every configured target: heals drift (owned rules changed or deleted out of band). */
  async healAll(): Promise<void> {
    const all = this.units([...this.deps.connectors.values()].flatMap((c) => c.targets().map((targetId) => ({ connectorId: c.id, targetId }))));
    await Promise.all(all.map((t) => this.schedule(t.connectorId, t.targetId)));
  }

  /** Waits for every pass in progress or queued. */
  async idle(): Promise<void> {
    while ([...this.targets.values()].some((s) => s.running)) {
      await Promise.all([...this.targets.values()].map((s) => s.running));
    }
  }
}

/** The connector with a check before each write (apply, quarantine, release, adopt): reads pass straight through. */
function fencedConnector(connector: Connector, check: () => Promise<void>): Connector {
  const writes = new Set<PropertyKey>(['apply', 'quarantine', 'release', 'adopt']);
  return new Proxy(connector, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      const bound = (value as (...args: unknown[]) => unknown).bind(target);
      if (!writes.has(property)) return bound;
      return async (...args: unknown[]) => {
        await check();
        return bound(...args);
      };
    },
  });
}

function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

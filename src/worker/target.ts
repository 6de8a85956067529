/**
 * One Durable Object per target (`connector/target`): the Worker's reconciler. Durable Objects give
 * the one-pass-at-a-time serialization src/reconcile/reconciler.ts relies on (one instance per name,
 * worldwide); inside it the same Reconciler coalesces the pokes that arrive while a pass runs into
 * the next pass. Its alarm fires at the next expiry of the target's blocks and at the drift interval.
 *
 * The route commits intents to D1 (with their audit event) before it pokes; a poke lost (an eviction,
 * a failed subrequest) is made good by the Cron sweep (src/worker/sweep.ts) and by the guard alarm
 * set before every pass: an object evicted mid-pass runs the pass again from D1 when it fires.
 */
import { Reconciler } from '../reconcile/reconciler.ts';
import type { Intent } from '../runs/types.ts';
import { type WorkerCore, type WorkerEnv, buildWorkerCore } from './core.ts';

/** The part of DurableObjectState this class uses (kept local: src/ needs no Workers types). */
export interface DurableObjectStateLike {
  storage: {
    get<T>(key: string): Promise<T | undefined>;
    put(key: string, value: unknown): Promise<void>;
    getAlarm(): Promise<number | null>;
    setAlarm(at: number): Promise<void>;
  };
}

/** A poke's body: the target, and what to do (a pass; or only make sure an alarm is set). */
export interface Poke {
  connector: string;
  target: string;
  op?: 'pass' | 'wake';
}

/** How long after a pass starts its guard alarm fires, should the object be evicted before it ends. */
export const GUARD_ALARM_MS = 60_000;

interface Target {
  connectorId: string;
  targetId: string;
}

export class TargetReconciler {
  private readonly state: DurableObjectStateLike;
  private readonly env: WorkerEnv;
  private built?: Promise<{ core: WorkerCore; reconciler: Reconciler }>;

  constructor(state: DurableObjectStateLike, env: WorkerEnv) {
    this.state = state;
    this.env = env;
  }

  private parts(): Promise<{ core: WorkerCore; reconciler: Reconciler }> {
    this.built ??= buildWorkerCore(this.env).then((core) => ({
      core,
      reconciler: new Reconciler({ store: core.store, connectors: core.connectors, clock: core.clock, log: core.log }),
    }));
    this.built.catch(() => {
      this.built = undefined;
    });
    return this.built;
  }

  async fetch(request: Request): Promise<Response> {
    const poke = (await request.json()) as Poke;
    const target = { connectorId: poke.connector, targetId: poke.target };
    if ((await this.state.storage.get<Target>('target')) === undefined) await this.state.storage.put('target', target);
    if (poke.op === 'wake') {
      // The Cron sweep: a target whose object never had a pass gets its first drift pass now.
      if ((await this.state.storage.getAlarm()) === null) await this.state.storage.setAlarm(Date.now());
      return Response.json({ ok: true });
    }
    await this.run(target);
    return Response.json({ ok: true });
  }

  /** Fires at the next expiry, at the drift interval, or as the guard of a pass cut short. */
  async alarm(): Promise<void> {
    const target = await this.state.storage.get<Target>('target');
    if (!target) return;
    await this.run(target);
  }

  /**
   * One converging pass (pokes during it coalesce into one more): the target's expired blocks are
   * retracted first (audited) and their pass run; otherwise the pass applies new intents and heals drift.
   */
  private async run(target: Target): Promise<void> {
    const { core, reconciler } = await this.parts();
    const now = core.clock.now();
    const current = await this.state.storage.getAlarm();
    if (current === null || current > now + GUARD_ALARM_MS) await this.state.storage.setAlarm(now + GUARD_ALARM_MS);
    if ((await reconciler.sweepExpiries(target)) === 0) await reconciler.schedule(target.connectorId, target.targetId);
    await this.state.storage.setAlarm(await this.nextAlarm(core, target));
  }

  /** The earlier of the target's next expiry and the next drift pass. */
  private async nextAlarm(core: WorkerCore, target: Target): Promise<number> {
    const now = core.clock.now();
    const intents: Intent[] = await core.store.intentsForTarget(target.connectorId, target.targetId);
    const drift = now + core.config.reconcile.driftIntervalSeconds * 1000;
    const expiries = intents.flatMap((i) => (i.desired === 'present' && i.expiresAt != null ? [i.expiresAt] : []));
    return Math.max(now, Math.min(drift, ...expiries));
  }
}

/**
 * The runtime's reconciler on Workers: `schedule` pokes the target's Durable Object (which runs the
 * pass, src/worker/target.ts) and resolves when a pass that saw the committed intents has finished,
 * which is what `Prefer: wait` waits for; `preview` (dry runs) plans here, reading the target. The
 * Cron sweep pokes every target with pending work or a due expiry.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Connector } from '../connectors/types.ts';
import { Reconciler } from '../reconcile/reconciler.ts';
import type { Clock, Logger } from '../platform.ts';
import type { Store } from '../store/types.ts';
import type { DurableObjectNamespaceLike } from './core.ts';
import type { Poke } from './target.ts';

/** The request's ExecutionContext, so a poke outlives the response (`ctx.waitUntil`). */
export const requestContext = new AsyncLocalStorage<{ waitUntil(promise: Promise<unknown>): void }>();

/** The Durable Object name of a target. */
export const targetObjectName = (connectorId: string, targetId: string): string => `${connectorId}/${targetId}`;

export class DurableObjectScheduler {
  private readonly namespace: DurableObjectNamespaceLike;
  private readonly log: Logger;
  private readonly previews: Reconciler;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(o: { namespace: DurableObjectNamespaceLike; store: Store; connectors: Map<string, Connector>; clock: Clock; log: Logger }) {
    this.namespace = o.namespace;
    this.log = o.log;
    // Previews only read (list and plan); passes never run in this isolate.
    this.previews = new Reconciler({ store: o.store, connectors: o.connectors, clock: o.clock, log: o.log });
  }

  /** Pokes the target's object; never rejects (a lost poke is picked up by the Cron sweep). */
  schedule(connectorId: string, targetId: string, op: Poke['op'] = 'pass'): Promise<void> {
    const stub = this.namespace.get(this.namespace.idFromName(targetObjectName(connectorId, targetId)));
    const body: Poke = { connector: connectorId, target: targetId, op };
    const poke = stub
      .fetch('https://target.portcullis.internal/poke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(async (response) => {
        const text = await response.text();
        if (!response.ok) throw new Error(`${response.status} ${text.slice(0, 200)}`);
      })
      .catch((error: unknown) => {
        this.log.warn({ connector: connectorId, target: targetId, error: String(error) }, 'could not poke the target; the Cron sweep retries');
      })
      .finally(() => this.inFlight.delete(poke));
    this.inFlight.add(poke);
    requestContext.getStore()?.waitUntil(poke);
    return poke;
  }

  preview: Reconciler['preview'] = (connectorId, targetId, add, retract) => this.previews.preview(connectorId, targetId, add, retract);

  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  /**
   * The Cron sweep: pokes every target with pending intents or a due expiry (their objects run the
   * passes), and wakes every configured target's object, which sets its drift alarm if it has none.
   */
  async sweep(store: Store, connectors: Map<string, Connector>, now: number): Promise<{ poked: number; woken: number }> {
    const pending = await store.targetsWithPendingWork();
    const due = await store.dueExpiries(now);
    const keys = new Map<string, { connectorId: string; targetId: string }>();
    for (const t of [...pending, ...due]) if (connectors.has(t.connectorId)) keys.set(targetObjectName(t.connectorId, t.targetId), t);
    const configured = [...connectors.values()].flatMap((c) => c.targets().map((targetId) => ({ connectorId: c.id, targetId })));
    const woken = configured.filter((t) => !keys.has(targetObjectName(t.connectorId, t.targetId)));
    await Promise.all([
      ...[...keys.values()].map((t) => this.schedule(t.connectorId, t.targetId)),
      ...woken.map((t) => this.schedule(t.connectorId, t.targetId, 'wake')),
    ]);
    return { poked: keys.size, woken: woken.length };
  }
}

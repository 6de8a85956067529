/**
 * capacity.exceeded as a threshold: a target's deny capacity in use is its active blocks over the
 * prefixes its owned rules can hold (the same figure as /metrics portcullis_target_capacity_used_ratio).
 * A notification is sent when use reaches the threshold, once per crossing: the target is then
 * "above" (durably, notify_capacity, migrations/0013) until use falls below the re-arm level.
 */
import type { Connector } from '../connectors/types.ts';
import { PLACEMENTS } from '../reconcile/desired.ts';
import type { Store } from '../store/types.ts';
import { type SqlDriver, type SqlStatement, sql } from '../store/sql/driver.ts';
import type { Notification } from './events.ts';

export interface CapacityUse {
  connector: string;
  target: string;
  /** Active deny prefixes on the target. */
  used: number;
  /** Prefixes the owned band can hold. */
  capacity: number;
}

/** Use per target, from the desired state (active deny intents) and each connector's limits. */
export async function capacityUse(store: Pick<Store, 'activeIntents'>, connectors: ReadonlyMap<string, Connector>): Promise<CapacityUse[]> {
  const byTarget = new Map<string, number>();
  for (const i of await store.activeIntents('deny')) byTarget.set(`${i.connectorId}/${i.targetId}`, (byTarget.get(`${i.connectorId}/${i.targetId}`) ?? 0) + 1);
  const out: CapacityUse[] = [];
  for (const [id, connector] of connectors) {
    for (const target of connector.targets()) {
      const placement = PLACEMENTS[connector.type]?.deny ?? 'nacl';
      const l = connector.limits(target, placement);
      out.push({ connector: id, target, used: byTarget.get(`${id}/${target}`) ?? 0, capacity: Math.min(l.maxRulesPerDirection * l.maxPrefixesPerRule, l.maxPrefixesPerTarget) });
    }
  }
  return out;
}

interface State {
  above: boolean;
  crossings: number;
}

/** Decides crossings against the durable per-target state; returns the notifications and the state writes (one transaction with the outbox rows). */
export async function capacityCrossings(
  driver: SqlDriver,
  uses: CapacityUse[],
  o: { thresholdPercent: number; rearmPercent?: number | undefined; now: number },
): Promise<{ notifications: Notification[]; statements: SqlStatement[] }> {
  const rows = await driver.all<{ target: string; above: number; crossings: number }>('SELECT target, above, crossings FROM notify_capacity');
  const states = new Map<string, State>(rows.map((r) => [r.target, { above: r.above === 1, crossings: r.crossings }]));
  const threshold = o.thresholdPercent / 100;
  const rearm = (o.rearmPercent ?? o.thresholdPercent) / 100;
  const notifications: Notification[] = [];
  const statements: SqlStatement[] = [];
  const put = (key: string, s: State) =>
    statements.push(
      sql(
        'INSERT INTO notify_capacity (target, above, crossings, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (target) DO UPDATE SET above = excluded.above, crossings = excluded.crossings, updated_at = excluded.updated_at',
        key,
        s.above ? 1 : 0,
        s.crossings,
        o.now,
      ),
    );
  for (const u of uses) {
    if (u.capacity <= 0) continue;
    const key = `${u.connector}/${u.target}`;
    const state = states.get(key) ?? { above: false, crossings: 0 };
    const ratio = u.used / u.capacity;
    if (!state.above && ratio >= threshold) {
      const crossings = state.crossings + 1;
      put(key, { above: true, crossings });
      notifications.push({
        type: 'capacity.exceeded',
        timestamp: new Date(o.now).toISOString(),
        data: {
          connector: u.connector,
          target: u.target,
          used_prefixes: u.used,
          capacity_prefixes: u.capacity,
          used_percent: Math.round(ratio * 1000) / 10,
          threshold_percent: o.thresholdPercent,
        },
        dedupeKey: `capacity.exceeded:${key}:${crossings}`,
      });
    } else if (state.above && ratio < rearm) {
      put(key, { above: false, crossings: state.crossings });
    }
  }
  return { notifications, statements };
}

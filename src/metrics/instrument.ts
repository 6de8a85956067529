import type { Connector } from '../connectors/types.ts';
import type { Store } from '../store/types.ts';
import type { ServiceMetrics } from './registry.ts';

/** The store, with every committed batch of audit events also fed to the metrics. Nothing else changes. */
export function instrumentStore(store: Store, metrics: ServiceMetrics): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'commit') {
        return async (work: Parameters<Store['commit']>[0]) => {
          const events = await target.commit(work);
          metrics.observe(events);
          return events;
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The connector, with the start of each listing noted (a reconcile pass starts by listing its target). */
export function instrumentConnector(connector: Connector, metrics: ServiceMetrics, now: () => number): Connector {
  return new Proxy(connector, {
    get(target, prop, receiver) {
      if (prop === 'list') {
        return (targetId: string) => {
          metrics.listStarted_(`${target.id}/${targetId}`, now());
          return target.list(targetId);
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

import type { ConnectorFactory, ConnectorType } from './types.ts';

/**
 * Connector factories by type, as loaded for one process (connectors/index.ts loads only the types a
 * config names). src/ never imports a cloud SDK: the entry point passes this in.
 */
export type ConnectorRegistry = Partial<Record<ConnectorType, ConnectorFactory<unknown>>>;

/** The factory of a type the registry was loaded for; a missing one is a programming error. */
export function factoryOf(registry: ConnectorRegistry, type: ConnectorType): ConnectorFactory<unknown> {
  const factory = registry[type];
  if (!factory) throw new Error(`connector type ${type} was not loaded (load the registry for the config's types)`);
  return factory;
}

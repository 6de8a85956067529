import type { Config } from '../config/schema.ts';
import { type SecretSource, resolveSecret } from '../config/secret.ts';
import type { TargetCatalog } from '../playbooks/load.ts';
import type { Clock, Logger } from '../platform.ts';
import { type ConnectorRegistry, factoryOf } from './registry.ts';
import { type Connector, defaultRetryOptions } from './types.ts';

/**
 * Builds a connector instance per config block. `endpoints` overrides the SDK endpoint of simulated
 * connectors (the sandbox serves each simulator on loopback).
 */
export function buildConnectors(
  config: Config,
  registry: ConnectorRegistry,
  deps: { clock: Clock; log: Logger; secrets: SecretSource; endpoints?: Map<string, string> },
): { connectors: Map<string, Connector>; catalog: TargetCatalog } {
  const connectors = new Map<string, Connector>();
  for (const block of config.connectors) {
    const { id, type, simulator: _simulator, ...rest } = block;
    const endpoint = deps.endpoints?.get(id);
    const factory = factoryOf(registry, type);
    const parsed = factory.configSchema.parse(endpoint ? { ...rest, endpoint } : rest);
    connectors.set(
      id,
      factory.create(id, parsed, {
        clock: deps.clock,
        log: deps.log,
        retry: defaultRetryOptions,
        resolveSecret: (ref) => resolveSecret(ref, deps.secrets),
      }),
    );
  }
  const catalog: TargetCatalog = new Map([...connectors].map(([id, c]) => [id, c.targets()]));
  return { connectors, catalog };
}

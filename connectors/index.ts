import type { ConnectorRegistry } from '../src/connectors/registry.ts';
import type { ConnectorFactory, ConnectorType } from '../src/connectors/types.ts';

/**
 * The explicit registry of connector types (STYLE 4): a new connector does not compile until it is
 * listed here. Each entry loads its connector (and its cloud SDK) on demand: the AWS EC2 client alone
 * is ~100 MB resident, so a process loads only the clouds its config names.
 */
const loaders: Record<ConnectorType, () => Promise<ConnectorFactory<unknown>>> = {
  'aws-ec2': async () => (await import('./aws-ec2/index.ts')).awsEc2 as ConnectorFactory<unknown>,
  'azure-nsg': async () => (await import('./azure-nsg/index.ts')).azureNsg as ConnectorFactory<unknown>,
  'gcp-firewall': async () => (await import('./gcp-firewall/index.ts')).gcpFirewall as ConnectorFactory<unknown>,
  'aws-network-firewall': async () => (await import('./aws-network-firewall/index.ts')).awsNetworkFirewall as ConnectorFactory<unknown>,
  cloudflare: async () => (await import('./cloudflare/index.ts')).cloudflare as ConnectorFactory<unknown>,
  'aws-wafv2': async () => (await import('./aws-wafv2/index.ts')).awsWafv2 as ConnectorFactory<unknown>,
};

export const CONNECTOR_TYPES = Object.keys(loaders) as ConnectorType[];

/** Loads the connectors of the given types (all of them when none are named). */
export async function loadConnectorRegistry(types: Iterable<ConnectorType> = CONNECTOR_TYPES): Promise<ConnectorRegistry> {
  const registry: ConnectorRegistry = {};
  for (const type of new Set(types)) registry[type] = await loaders[type]();
  return registry;
}

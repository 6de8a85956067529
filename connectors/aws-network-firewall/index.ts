import type { ConnectorFactory } from '../../src/connectors/types.ts';
import { type AwsNetworkFirewallConfig, awsNetworkFirewallConfigSchema } from './config.ts';
import { AwsNetworkFirewallConnector } from './connector/connector.ts';
import { createNfwSimulator } from './simulator/index.ts';

export type { AwsNetworkFirewallConfig } from './config.ts';
export { createNfwSimulator, type NfwSimulator, type NfwSimulatorOptions } from './simulator/index.ts';
export * from './simulator/seed.ts';

/** AWS Network Firewall: blocks and opens as stateless rules of a rule group portcullis owns, within its capacity units. */
export const awsNetworkFirewall = {
  type: 'aws-network-firewall',
  configSchema: awsNetworkFirewallConfigSchema,
  create: (id, config, ctx) => new AwsNetworkFirewallConnector(id, config, ctx),
  createSimulator: (options) => createNfwSimulator(options),
} satisfies ConnectorFactory<AwsNetworkFirewallConfig>;

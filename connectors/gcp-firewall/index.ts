import type { ConnectorFactory } from '../../src/connectors/types.ts';
import { type GcpFirewallConfig, gcpFirewallConfigSchema } from './config.ts';
import { createGcpConnector } from './connector.ts';
import { createGcpSimulator } from './simulator/index.ts';

export type { GcpFirewallConfig } from './config.ts';
export {
  GCP_SIM_FOREIGN_RULES,
  GCP_SIM_INSTANCE,
  GCP_SIM_NETWORK,
  GCP_SIM_PROJECT,
  GCP_SIM_ZONE,
} from './simulator/seed.ts';
export type { GcpSimulator, GcpSimulatorControls } from './simulator/index.ts';

/** GCP VPC firewall rules (compute v1) with a compute simulator. */
export const gcpFirewall = {
  type: 'gcp-firewall',
  configSchema: gcpFirewallConfigSchema,
  create: (id, config, ctx) => createGcpConnector(id, config, ctx),
  createSimulator: (options) => createGcpSimulator(options),
} satisfies ConnectorFactory<GcpFirewallConfig>;

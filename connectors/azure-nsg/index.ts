import type { ConnectorFactory } from '../../src/connectors/types.ts';
import { type AzureNsgConfig, azureNsgConfigSchema } from './config.ts';
import { createAzureNsgConnector } from './connector.ts';
import { asAzureSimulatorOptions, createAzureNsgSimulator } from './simulator/index.ts';

/** The Azure NSG connector: security rules in a priority band of each configured NSG. */
export const azureNsg = {
  type: 'azure-nsg',
  configSchema: azureNsgConfigSchema,
  create: (id, config, ctx) => createAzureNsgConnector(id, config, ctx),
  createSimulator: (options) => createAzureNsgSimulator(asAzureSimulatorOptions(options)),
} satisfies ConnectorFactory<AzureNsgConfig>;

export type { AzureNsgConfig } from './config.ts';
export {
  SIM_LOCATION,
  SIM_NIC_NAME,
  SIM_NSG_NAME,
  SIM_PRIVATE_IP,
  SIM_PRIVATE_IPV6,
  SIM_RESOURCE_GROUP,
  SIM_SUBSCRIPTION_ID,
  SIM_VM_NAME,
} from './simulator/seed.ts';

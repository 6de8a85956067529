import type { ConnectorFactory } from '../../src/connectors/types.ts';
import { type CloudflareConfig, cloudflareConfigSchema } from './config.ts';
import { createCloudflareConnector } from './connector.ts';
import { createCloudflareSimulator } from './simulator/index.ts';

export type { CloudflareConfig } from './config.ts';
export { CF_SIM_ACCOUNT, CF_SIM_LIST, CF_SIM_RULESET, CF_SIM_ZONE } from './simulator/seed.ts';
export type { CloudflareSimulator, CloudflareSimulatorControls } from './simulator/index.ts';

/** Cloudflare: blocks as items of an owned account IP list that a WAF custom rule enforces (REST API via fetch). */
export const cloudflare = {
  type: 'cloudflare',
  configSchema: cloudflareConfigSchema,
  create: (id, config, ctx) => createCloudflareConnector(id, config, ctx),
  createSimulator: (options) => createCloudflareSimulator(options),
} satisfies ConnectorFactory<CloudflareConfig>;

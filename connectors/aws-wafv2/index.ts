import type { ConnectorFactory } from '../../src/connectors/types.ts';
import { type AwsWafv2Config, awsWafv2ConfigSchema } from './config.ts';
import { createWafConnector } from './connector.ts';
import { createWafSimulator } from './simulator/index.ts';

export type { AwsWafv2Config } from './config.ts';
export { createWafSimulator, type WafSimulator, type WafSimulatorOptions } from './simulator/index.ts';
export { WAF_SIM_ACCOUNT, WAF_SIM_CDN_WEB_ACL, WAF_SIM_REGION, WAF_SIM_WEB_ACL } from './simulator/seed.ts';

/** AWS WAF (wafv2): blocks as addresses in owned IP sets, referenced by one Block rule in the operator's web ACL. */
export const awsWafv2 = {
  type: 'aws-wafv2',
  configSchema: awsWafv2ConfigSchema,
  create: (id, config, ctx) => createWafConnector(id, config, ctx),
  createSimulator: (options) => createWafSimulator(options),
} satisfies ConnectorFactory<AwsWafv2Config>;

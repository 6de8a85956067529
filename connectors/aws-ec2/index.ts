import type { ConnectorFactory } from '../../src/connectors/types.ts';
import { type AwsEc2Config, awsEc2ConfigSchema } from './config.ts';
import { AwsEc2Connector } from './connector/connector.ts';
import { createEc2Simulator } from './simulator/index.ts';

export type { AwsEc2Config } from './config.ts';
export { createEc2Simulator, type Ec2Simulator, type Ec2SimulatorOptions } from './simulator/index.ts';
export * from './simulator/seed.ts';

/** AWS EC2: blocks as network ACL entries, allows as security group rules, quarantine by security group swap. */
export const awsEc2 = {
  type: 'aws-ec2',
  configSchema: awsEc2ConfigSchema,
  create: (id, config, ctx) => new AwsEc2Connector(id, config, ctx),
  createSimulator: (options) => createEc2Simulator(options),
} satisfies ConnectorFactory<AwsEc2Config>;

import type { ConnectorRegistry } from '../src/connectors/registry.ts';
import { awsEc2 } from './aws-ec2/index.ts';
import { azureNsg } from './azure-nsg/index.ts';
import { gcpFirewall } from './gcp-firewall/index.ts';

/** Every connector type, registered explicitly (STYLE 4). */
export const connectorRegistry = {
  'aws-ec2': awsEc2,
  'azure-nsg': azureNsg,
  'gcp-firewall': gcpFirewall,
} as ConnectorRegistry;

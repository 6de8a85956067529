import type { ConnectorRegistry } from '../src/connectors/registry.ts';
import { awsEc2 } from './aws-ec2/index.ts';
import { awsNetworkFirewall } from './aws-network-firewall/index.ts';
import { awsWafv2 } from './aws-wafv2/index.ts';
import { azureNsg } from './azure-nsg/index.ts';
import { cloudflare } from './cloudflare/index.ts';
import { gcpFirewall } from './gcp-firewall/index.ts';

/**
 * Every connector type, loaded eagerly (benchmarks and tools that drive all three clouds). The service
 * itself uses `loadConnectorRegistry` (./index.ts), which loads only the SDKs its config names.
 */
export const connectorRegistry: Required<ConnectorRegistry> = {
  'aws-ec2': awsEc2 as ConnectorRegistry['aws-ec2'] & object,
  'azure-nsg': azureNsg as ConnectorRegistry['azure-nsg'] & object,
  'gcp-firewall': gcpFirewall as ConnectorRegistry['gcp-firewall'] & object,
  'aws-network-firewall': awsNetworkFirewall as ConnectorRegistry['aws-network-firewall'] & object,
  cloudflare: cloudflare as ConnectorRegistry['cloudflare'] & object,
  'aws-wafv2': awsWafv2 as ConnectorRegistry['aws-wafv2'] & object,
};

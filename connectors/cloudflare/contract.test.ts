import { runConnectorContract } from '../../test/connectors/contract.ts';
import { cloudflareHarness } from './harness.ts';

runConnectorContract(cloudflareHarness);

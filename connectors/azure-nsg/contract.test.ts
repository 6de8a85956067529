import { runConnectorContract } from '../../test/connectors/contract.ts';
import { azureHarness } from './harness.ts';

runConnectorContract(azureHarness);

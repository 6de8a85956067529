import { runConnectorContract } from '../../test/connectors/contract.ts';
import { gcpHarness } from './harness.ts';

runConnectorContract(gcpHarness);

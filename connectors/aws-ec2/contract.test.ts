import { runConnectorContract } from '../../test/connectors/contract.ts';
import { awsHarness } from './harness.ts';

runConnectorContract(awsHarness);

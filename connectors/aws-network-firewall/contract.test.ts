import { runConnectorContract } from '../../test/connectors/contract.ts';
import { nfwHarness } from './harness.ts';

runConnectorContract(nfwHarness);

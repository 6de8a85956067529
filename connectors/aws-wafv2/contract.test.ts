import { runConnectorContract } from '../../test/connectors/contract.ts';
import { wafHarness } from './harness.ts';

runConnectorContract(wafHarness);

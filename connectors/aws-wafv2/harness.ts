import type { ConnectorHarness, HarnessInstance } from '../../test/connectors/harness.ts';
import { WAF_SIM_WEB_ACL } from './simulator/seed.ts';
import { blockRule, startTestbed, TARGET } from './testbed.ts';

/** The AWS WAF connector on its simulator, for the shared connector contract suite. */
export const wafHarness: ConnectorHarness = {
  name: 'aws-wafv2',
  // Every WAF write is done when it answers.
  longRunningOperations: false,
  // An IP set rule only blocks, and a web ACL has no hosts.
  allows: 'refused',
  quarantine: 'refused',
  async setup(options): Promise<HarnessInstance> {
    const bed = startTestbed(options?.quotas ? { sim: { quotas: options.quotas } } : {});
    return {
      connector: bed.connector,
      targetId: TARGET,
      host: 'no-such-host',
      sim: bed.sim.controls,
      clock: bed.clock,
      resourceFor: () => WAF_SIM_WEB_ACL,
      placements: { deny: 'wafv2', allow: 'wafv2' },
      async capacityScenario() {
        // The account's IP set quota is lowered to the sets it already has: the next CreateIPSet gets WAFLimitsExceededException.
        bed.sim.controls.setQuotas({ ipSetsPerScope: bed.sim.state.ipSets.REGIONAL.size });
        return { changes: [{ op: 'create', rule: blockRule(['192.0.2.77/32']) }], expectKind: 'quota' };
      },
      async teardown() {
        bed.close();
      },
    };
  },
};

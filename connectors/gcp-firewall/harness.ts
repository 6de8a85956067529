import type { ConnectorHarness, HarnessInstance } from '../../test/connectors/harness.ts';
import { GCP_SIM_INSTANCE, GCP_SIM_NETWORK, GCP_SIM_PROJECT } from './simulator/seed.ts';
import { BAND, startTestbed, TARGET } from './testbed.ts';

/** The GCP connector on its simulator, for the shared connector contract suite. */
export const gcpHarness: ConnectorHarness = {
  name: 'gcp-firewall',
  // Every mutation answers with an Operation, waited on to DONE.
  longRunningOperations: true,
  async setup(options): Promise<HarnessInstance> {
    const bed = startTestbed(options?.quotas ? { sim: { quotas: options.quotas } } : {});
    return {
      connector: bed.connector,
      targetId: TARGET,
      host: GCP_SIM_INSTANCE,
      sim: bed.sim.controls,
      clock: bed.clock,
      resourceFor: () => GCP_SIM_NETWORK,
      placements: { deny: 'firewall', allow: 'firewall' },
      async capacityScenario() {
        // The project's FIREWALLS quota is lowered to the rules it already has: the next insert gets 403 QUOTA_EXCEEDED.
        bed.sim.controls.setQuotas({ firewalls: bed.sim.controls.firewallNames(GCP_SIM_PROJECT).length });
        const rule = {
          direction: 'ingress' as const,
          action: 'deny' as const,
          protocol: 'all' as const,
          ports: [],
          cidrs: ['192.0.2.77/32'],
          priority: BAND.from,
          placement: 'firewall' as const,
          owned: true,
        };
        return { changes: [{ op: 'create', rule }], expectKind: 'quota' };
      },
      async teardown() {
        bed.close();
      },
    };
  },
};

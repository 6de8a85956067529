import type { ConnectorHarness, HarnessInstance } from '../../test/connectors/harness.ts';
import { CF_SIM_RULESET } from './simulator/seed.ts';
import { startTestbed, TARGET } from './testbed.ts';

/** The Cloudflare connector on its simulator, for the shared connector contract suite. */
export const cloudflareHarness: ConnectorHarness = {
  name: 'cloudflare',
  // Item writes are bulk operations, polled until completed.
  longRunningOperations: true,
  // A list filters requests by address: no hosts to isolate, no allows to open.
  quarantine: 'refused',
  allows: 'refused',
  // IPv6 list items are /4 to /64 prefixes.
  ipv6Block: '2001:db8:7::/64',
  async setup(options): Promise<HarnessInstance> {
    const bed = startTestbed(options?.quotas ? { sim: { quotas: options.quotas } } : {});
    return {
      connector: bed.connector,
      targetId: TARGET,
      host: 'no-hosts-on-cloudflare',
      sim: bed.sim.controls,
      clock: bed.clock,
      // Foreign rules are custom rules of the zone's entry point ruleset; the owned rule is the list.
      resourceFor: () => CF_SIM_RULESET,
      placements: { deny: 'cf-list', allow: 'cf-list' },
      async capacityScenario() {
        // The account's item limit is lowered to what its lists already hold: the bulk operation fails.
        const held = bed.sim.controls.listItems('partner_blocks').length;
        bed.sim.controls.setItemLimit(held);
        const rule = {
          direction: 'ingress' as const,
          action: 'deny' as const,
          protocol: 'all' as const,
          ports: [],
          cidrs: ['192.0.2.77/32'],
          priority: 0,
          placement: 'cf-list' as const,
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

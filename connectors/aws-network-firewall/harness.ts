import { setupServer } from 'msw/node';
import type { ConnectorContext, NormalizedRule, RuleChange } from '../../src/connectors/types.ts';
import { defaultRetryOptions } from '../../src/connectors/types.ts';
import type { ConnectorHarness, HarnessInstance } from '../../test/connectors/harness.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { type AwsNetworkFirewallConfig, awsNetworkFirewallConfigSchema } from './config.ts';
import { AwsNetworkFirewallConnector } from './connector/connector.ts';
import { createNfwSimulator, defaultQuotas, type NfwSimulator, type NfwSimulatorOptions } from './simulator/index.ts';
import { mswHandlers } from './simulator/msw.ts';
import { NFW_SIM_CAPACITY, NFW_SIM_POLICY, NFW_SIM_RULE_GROUP } from './simulator/seed.ts';

export const TARGET_ID = 'edge';

export function testConfig(target: Partial<AwsNetworkFirewallConfig['targets'][number]> = {}, extra: Record<string, unknown> = {}): AwsNetworkFirewallConfig {
  return awsNetworkFirewallConfigSchema.parse({
    region: 'us-east-1',
    credentials: { source: 'simulator' },
    targets: [{ id: TARGET_ID, ruleGroup: NFW_SIM_RULE_GROUP, firewallPolicy: NFW_SIM_POLICY, ...target }],
    ...extra,
  });
}

export function testContext(clock: FakeClock, warnings: object[] = []): ConnectorContext {
  return {
    clock,
    log: { info: () => {}, warn: (obj) => warnings.push(obj) },
    retry: defaultRetryOptions,
    resolveSecret: () => {
      throw new Error('the simulator needs no secrets');
    },
  };
}

/** A simulator behind msw (onUnhandledFrame: 'error') and a connector on the fake clock, wired to it. */
export function startNfw(
  options: {
    quotas?: Record<string, number>;
    target?: Partial<AwsNetworkFirewallConfig['targets'][number]>;
    config?: Record<string, unknown>;
    sim?: Omit<NfwSimulatorOptions, 'clock' | 'quotas'>;
  } = {},
) {
  const clock = new FakeClock();
  // Only this simulator's quota names are passed on; other clouds' names mean nothing here.
  const quotas = Object.fromEntries(Object.entries(options.quotas ?? {}).filter(([name]) => name in defaultQuotas));
  const sim: NfwSimulator = createNfwSimulator({ ...options.sim, clock, quotas });
  const server = setupServer(...mswHandlers(sim));
  server.listen({ onUnhandledFrame: 'error' });
  const warnings: object[] = [];
  const connector = new AwsNetworkFirewallConnector('nfw', testConfig(options.target, options.config), testContext(clock, warnings));
  let closed = false;
  const stop = () => {
    if (!closed) server.close();
    closed = true;
  };
  return { clock, sim, connector, warnings, stop };
}

/** A block as the reconciler would ask for it, at the bottom of the default band. */
export const blockRule = (cidrs: string[], extra: Partial<NormalizedRule> = {}): NormalizedRule => ({
  direction: 'ingress',
  action: 'deny',
  protocol: 'all',
  ports: [],
  cidrs,
  priority: 100,
  placement: 'nfw',
  owned: true,
  ...extra,
});

export const nfwHarness: ConnectorHarness = {
  name: 'aws-network-firewall',
  // UpdateRuleGroup is done when it answers.
  longRunningOperations: false,
  quarantine: 'refused',
  async setup(options) {
    const { clock, sim, connector, stop } = startNfw(options?.quotas ? { quotas: options.quotas } : {});
    const instance: HarnessInstance = {
      connector,
      targetId: TARGET_ID,
      host: 'i-0a1b2c3d4e5f60001',
      sim: sim.controls,
      clock,
      resourceFor: () => NFW_SIM_RULE_GROUP,
      placements: { deny: 'nfw', allow: 'nfw' },
      // The seed group holds 2,000 capacity units and a foreign SSH rule (1): a foreign rule of 1,997 more
      // addresses leaves 2, so of three one-address blocks two fit and the third is refused for capacity.
      async capacityScenario() {
        const foreign = Array.from({ length: NFW_SIM_CAPACITY - 3 }, (_, i) => `198.18.${Math.floor(i / 256)}.${i % 256}/32`);
        await sim.controls.addForeignRule(NFW_SIM_RULE_GROUP, { ...blockRule(foreign), priority: 500, owned: false });
        const changes: RuleChange[] = ['203.0.113.1/32', '203.0.113.2/32', '203.0.113.3/32'].map((cidr, i) => ({
          op: 'create',
          rule: blockRule([cidr], { priority: 100 + i }),
        }));
        return { changes, expectKind: 'capacity' };
      },
      async teardown() {
        stop();
      },
    };
    return instance;
  },
};

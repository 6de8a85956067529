import { setupServer } from 'msw/node';
import type { ConnectorContext, NormalizedRule, RuleChange } from '../../src/connectors/types.ts';
import { defaultRetryOptions } from '../../src/connectors/types.ts';
import type { ConnectorHarness, HarnessInstance } from '../../test/connectors/harness.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { type AwsEc2Config, awsEc2ConfigSchema } from './config.ts';
import { AwsEc2Connector } from './connector/connector.ts';
import { defaultQuotas } from './simulator/context.ts';
import { createEc2Simulator, type Ec2Simulator, type Ec2SimulatorOptions } from './simulator/index.ts';
import { mswHandlers } from './simulator/msw.ts';
import { SEED_INSTANCE_ID, SEED_NACL_ID, SEED_SG_ID, SEED_VPC_ID } from './simulator/seed.ts';

export const TARGET_ID = 'web';

export function testConfig(overrides: Partial<AwsEc2Config['targets'][number]> = {}): AwsEc2Config {
  return awsEc2ConfigSchema.parse({
    region: 'us-east-1',
    credentials: { source: 'simulator' },
    targets: [{ id: TARGET_ID, vpcId: SEED_VPC_ID, networkAclId: SEED_NACL_ID, securityGroupId: SEED_SG_ID, ...overrides }],
  });
}

export function testContext(clock: FakeClock): ConnectorContext {
  return {
    clock,
    log: { info: () => {}, warn: () => {} },
    retry: defaultRetryOptions,
    resolveSecret: () => {
      throw new Error('the simulator needs no secrets');
    },
  };
}

/** A simulator behind msw (onUnhandledFrame: 'error') and a connector on the fake clock, wired to it. */
export function startAws(
  options: {
    quotas?: Record<string, number>;
    target?: Partial<AwsEc2Config['targets'][number]>;
    /** Simulator switches (e.g. `writeRateLimits`: EC2's per-action token buckets). */
    sim?: Omit<Ec2SimulatorOptions, 'clock' | 'quotas'>;
  } = {},
) {
  const clock = new FakeClock();
  // Only this simulator's quota names are passed on; other clouds' names (rulesPerNsg…) mean nothing here.
  const quotas = Object.fromEntries(Object.entries(options.quotas ?? {}).filter(([name]) => name in defaultQuotas));
  const sim: Ec2Simulator = createEc2Simulator({ ...options.sim, clock, quotas });
  const server = setupServer(...mswHandlers(sim));
  server.listen({ onUnhandledFrame: 'error' });
  const connector = new AwsEc2Connector('aws', testConfig(options.target), testContext(clock));
  return { clock, sim, connector, stop: onceOnly(() => server.close()) };
}

/** A block as the reconciler would ask for it: one CIDR, connector-chosen rule number. */
export const blockRule = (cidr: string, extra: Partial<NormalizedRule> = {}): NormalizedRule => ({
  direction: 'ingress',
  action: 'deny',
  protocol: 'all',
  ports: [],
  cidrs: [cidr],
  priority: 0,
  placement: 'nacl',
  owned: true,
  ...extra,
});

/** An allow in the security group. */
export const allowRule = (cidrs: string[], extra: Partial<NormalizedRule> = {}): NormalizedRule => ({
  direction: 'ingress',
  action: 'allow',
  protocol: 'tcp',
  ports: [{ from: 443, to: 443 }],
  cidrs,
  priority: 0,
  placement: 'sg',
  owned: true,
  intentIds: ['int-1'],
  ...extra,
});

export const awsHarness: ConnectorHarness = {
  name: 'aws-ec2',
  // EC2 writes (CreateNetworkAclEntry, AuthorizeSecurityGroupIngress...) are done when they answer.
  longRunningOperations: false,
  async setup(options) {
    const { clock, sim, connector, stop } = startAws(options?.quotas ? { quotas: options.quotas } : {});
    const instance: HarnessInstance = {
      connector,
      targetId: TARGET_ID,
      host: SEED_INSTANCE_ID,
      sim: sim.controls,
      clock,
      resourceFor: (placement) => (placement === 'nacl' ? SEED_NACL_ID : SEED_SG_ID),
      placements: { deny: 'nacl', allow: 'sg' },
      // The seed ACL holds 2 IPv4 ingress entries; 16 foreign ones leave 2 of 20 slots, and 3 blocks need 3.
      async capacityScenario() {
        for (let i = 0; i < 16; i++) {
          await sim.controls.addForeignRule(SEED_NACL_ID, { ...blockRule(`198.51.100.${i}/32`), action: 'allow', priority: 2000 + i, owned: false });
        }
        const changes: RuleChange[] = ['203.0.113.1/32', '203.0.113.2/32', '203.0.113.3/32'].map((cidr) => ({ op: 'create', rule: blockRule(cidr) }));
        return { changes, expectKind: 'capacity' };
      },
      async teardown() {
        stop();
      },
    };
    return instance;
  },
};

/** msw 3 refuses a second close(); afterEach hooks may close a harness a test never replaced. */
function onceOnly(f: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      f();
    }
  };
}

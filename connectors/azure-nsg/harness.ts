import { setupServer } from 'msw/node';
import type { ConnectorHarness, HarnessInstance } from '../../test/connectors/harness.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { type Connector, type ConnectorContext, defaultRetryOptions, type NormalizedRule, type RetryOptions } from '../../src/connectors/types.ts';
import { azureNsgConfigSchema, type AzureNsgConfig } from './config.ts';
import { createAzureNsgConnector } from './connector.ts';
import { mswHandlers } from './msw.ts';
import { type AzureSimulator, type AzureSimulatorOptions, createAzureNsgSimulator } from './simulator/index.ts';
import { SIM_NSG_NAME, SIM_RESOURCE_GROUP, SIM_SUBSCRIPTION_ID, SIM_VM_NAME } from './simulator/seed.ts';

export const TEST_TARGET = 'web';
export const TEST_BAND = { from: 1000, to: 1999 } as const;

export interface AzureSandbox {
  connector: Connector;
  sim: AzureSimulator;
  clock: FakeClock;
  config: AzureNsgConfig;
  /** Another connector instance on the same simulator (a second replica, with its own write queue). */
  secondConnector(): Connector;
  close(): void;
}

/** Real SDK → msw → simulator, fake clock in both, jitter fixed so waits are predictable. */
export function startAzureSandbox(
  options: { sim?: AzureSimulatorOptions; config?: Partial<Record<string, unknown>>; retry?: Partial<RetryOptions> } = {},
): AzureSandbox {
  const clock = new FakeClock();
  const sim = createAzureNsgSimulator({ clock, ...options.sim });
  const server = setupServer(...mswHandlers(sim));
  server.listen({ onUnhandledFrame: 'error' });
  const config = azureNsgConfigSchema.parse({
    subscriptionId: SIM_SUBSCRIPTION_ID,
    credentials: { source: 'simulator' },
    targets: [{ id: TEST_TARGET, resourceGroup: SIM_RESOURCE_GROUP, nsgName: SIM_NSG_NAME, priorityBand: TEST_BAND }],
    ...options.config,
  });
  const ctx: ConnectorContext = {
    clock,
    log: { info: () => undefined, warn: () => undefined },
    retry: { ...defaultRetryOptions, ...options.retry },
    resolveSecret: () => {
      throw new Error('no secrets in tests');
    },
  };
  const make = () => createAzureNsgConnector('azure-test', config, ctx, { random: () => 1 });
  return { connector: make(), sim, clock, config, secondConnector: make, close: onceOnly(() => server.close()) };
}

/** A deny rule in the test band. */
export function denyRule(cidrs: string[], priority: number = TEST_BAND.from + 10, extra: Partial<NormalizedRule> = {}): NormalizedRule {
  return { direction: 'ingress', action: 'deny', protocol: 'all', ports: [], cidrs, priority, placement: 'nsg', owned: true, ...extra };
}

/** `count` distinct /32 prefixes from 10.0.0.0 on. */
export function manyPrefixes(count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => {
    const n = i + offset;
    return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}/32`;
  });
}

export const azureHarness: ConnectorHarness = {
  name: 'azure-nsg',
  // Rule PUTs and DELETEs are ARM long-running operations (Azure-AsyncOperation), polled to Succeeded.
  longRunningOperations: true,
  async setup(options): Promise<HarnessInstance> {
    const sandbox = startAzureSandbox({ sim: options?.quotas ? { quotas: options.quotas } : {} });
    return {
      connector: sandbox.connector,
      targetId: TEST_TARGET,
      host: SIM_VM_NAME,
      sim: sandbox.sim.controls,
      clock: sandbox.clock,
      resourceFor: () => SIM_NSG_NAME,
      placements: { deny: 'nsg', allow: 'nsg' },
      async capacityScenario() {
        // A console-made rule holding 3,999 source prefixes leaves room for one more in the NSG.
        await sandbox.sim.controls.addForeignRule(
          SIM_NSG_NAME,
          denyRule(manyPrefixes(3999), 3000, { owned: false, cloudId: 'console-bulk-deny' }),
        );
        return { changes: [{ op: 'create', rule: denyRule(manyPrefixes(2, 5000)) }], expectKind: 'capacity' };
      },
      async teardown() {
        sandbox.close();
      },
    };
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

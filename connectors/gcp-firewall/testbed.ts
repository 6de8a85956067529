/**
 * Test wiring: a simulator on a fake clock, msw routing the real compute client into it
 * (`onUnhandledFrame: 'error'`), and a connector built from a parsed config.
 */

import { setupServer } from 'msw/node';
import type { SimulatorOptions } from '../../src/connectors/simulator.ts';
import { type Connector, type ConnectorContext, defaultRetryOptions } from '../../src/connectors/types.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { gcpFirewallConfigSchema } from './config.ts';
import { createGcpConnector } from './connector.ts';
import { createGcpSimulator, type GcpSimulator } from './simulator/index.ts';
import { mswHandlers } from './simulator/msw.ts';
import { GCP_SIM_NETWORK, GCP_SIM_PROJECT, GCP_SIM_ZONE } from './simulator/seed.ts';

export const TARGET = 'vpc-default';
export const IPV4_TARGET = 'vpc-ipv4';
export const BAND = { from: 1000, to: 1999 };

export interface Testbed {
  clock: FakeClock;
  sim: GcpSimulator;
  connector: Connector;
  close(): void;
}

export interface TestbedOptions {
  sim?: Omit<SimulatorOptions, 'clock'>;
  /** Extra config keys merged over the default (targets replace the default targets). */
  config?: Record<string, unknown>;
  newRequestId?: () => string;
}

export function defaultTestConfig(): Record<string, unknown> {
  return {
    project: GCP_SIM_PROJECT,
    credentials: { source: 'simulator' },
    targets: [
      { id: TARGET, network: GCP_SIM_NETWORK, priorityBand: BAND, zone: GCP_SIM_ZONE },
      { id: IPV4_TARGET, network: 'prod-vpc', priorityBand: { from: 500, to: 599 }, ipv6: false, maxSourceRangesPerRule: 3 },
    ],
  };
}

export function startTestbed(options: TestbedOptions = {}): Testbed {
  const clock = new FakeClock();
  const sim = createGcpSimulator({ ...options.sim, clock });
  const server = setupServer(...mswHandlers(sim));
  server.listen({ onUnhandledFrame: 'error' });
  const config = gcpFirewallConfigSchema.parse({ ...defaultTestConfig(), ...options.config });
  const ctx: ConnectorContext = {
    clock,
    log: { info: () => {}, warn: () => {} },
    retry: defaultRetryOptions,
    resolveSecret: () => {
      throw new Error('tests use no secrets');
    },
  };
  const connector = createGcpConnector(
    'gcp-test',
    config,
    ctx,
    options.newRequestId ? { newRequestId: options.newRequestId } : {},
  );
  return { clock, sim, connector, close: onceOnly(() => server.close()) };
}

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

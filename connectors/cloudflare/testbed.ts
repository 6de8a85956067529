/**
 * Test wiring: a simulator on a fake clock, msw routing the connector's fetch calls into it
 * (`onUnhandledFrame: 'error'`), and a connector built from a parsed config.
 */

import { setupServer } from 'msw/node';
import type { SimulatorOptions } from '../../src/connectors/simulator.ts';
import { type Connector, type ConnectorContext, defaultRetryOptions } from '../../src/connectors/types.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { cloudflareConfigSchema } from './config.ts';
import { createCloudflareConnector } from './connector.ts';
import { type CloudflareSimulator, createCloudflareSimulator } from './simulator/index.ts';
import { mswHandlers } from './simulator/msw.ts';
import { CF_SIM_ACCOUNT, CF_SIM_LIST, CF_SIM_ZONE } from './simulator/seed.ts';

export const TARGET = 'zone-edge';

export interface Testbed {
  clock: FakeClock;
  sim: CloudflareSimulator;
  connector: Connector;
  /** Every line the connector logged (to prove no secret is in them). */
  logs: string[];
  close(): void;
}

export interface TestbedOptions {
  sim?: Omit<SimulatorOptions, 'clock'>;
  /** Extra config keys merged over the default (targets replace the default targets). */
  config?: Record<string, unknown>;
  secrets?: Record<string, string>;
}

export function defaultTestConfig(): Record<string, unknown> {
  return {
    accountId: CF_SIM_ACCOUNT,
    credentials: { source: 'simulator' },
    pollIntervalMs: 500,
    targets: [{ id: TARGET, zoneId: CF_SIM_ZONE, listName: CF_SIM_LIST }],
  };
}

export function startTestbed(options: TestbedOptions = {}): Testbed {
  const clock = new FakeClock();
  const sim = createCloudflareSimulator({ ...options.sim, clock });
  const server = setupServer(...mswHandlers(sim));
  server.listen({ onUnhandledFrame: 'error' });
  const config = cloudflareConfigSchema.parse({ ...defaultTestConfig(), ...options.config });
  const logs: string[] = [];
  const ctx: ConnectorContext = {
    clock,
    log: { info: (o, m) => logs.push(JSON.stringify([o, m])), warn: (o, m) => logs.push(JSON.stringify([o, m])) },
    retry: defaultRetryOptions,
    resolveSecret: (ref) => {
      const value = 'env' in ref ? options.secrets?.[ref.env] : undefined;
      if (value === undefined) throw new Error('no such test secret');
      return value;
    },
  };
  const connector = createCloudflareConnector('cf-test', config, ctx);
  let closed = false;
  return {
    clock,
    sim,
    connector,
    logs,
    close: () => {
      // msw 3 refuses a second close().
      if (!closed) server.close();
      closed = true;
    },
  };
}

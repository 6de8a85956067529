import { serve } from '@hono/node-server';
import type { Config } from '../config/schema.ts';
import { type ConnectorRegistry, factoryOf } from '../connectors/registry.ts';
import type { Simulator, SimulatorOptions } from '../connectors/simulator.ts';

export interface RunningSimulators {
  /** connector id → base URL of its simulator on loopback. */
  endpoints: Map<string, string>;
  simulators: Map<string, Simulator>;
  close(): Promise<void>;
}

/**
 * Serves the simulator of every `simulator: true` connector on 127.0.0.1 (an ephemeral port each), so
 * the sandbox config works with nothing but `npm start`. Each connector's SDK endpoint points there.
 */
export async function startSimulators(
  config: Config,
  registry: ConnectorRegistry,
  options: SimulatorOptions = {},
): Promise<RunningSimulators> {
  const endpoints = new Map<string, string>();
  const simulators = new Map<string, Simulator>();
  const servers: ReturnType<typeof serve>[] = [];
  for (const block of config.connectors.filter((c) => c.simulator)) {
    const simulator = factoryOf(registry, block.type).createSimulator(options);
    const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const s = serve({ fetch: (req) => simulator.fetch(req), hostname: '127.0.0.1', port: 0 }, () => resolve(s));
      s.once('error', reject);
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    endpoints.set(block.id, `http://127.0.0.1:${port}`);
    simulators.set(block.id, simulator);
    servers.push(server);
  }
  return {
    endpoints,
    simulators,
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

/**
 * The three cloud simulators, served by the bench process itself on 127.0.0.1 (an ephemeral port each), so
 * the bench reads their write and throttle counters while the real server (a child process) calls them.
 */
import { serve } from '@hono/node-server';
import { connectorRegistry } from '../../connectors/all.ts';
import type { Simulator, SimulatorOptions } from '../../src/connectors/simulator.ts';
import type { ConnectorType } from '../../src/connectors/types.ts';

export const CLOUDS = ['aws', 'azure', 'gcp'] as const;
export type Cloud = (typeof CLOUDS)[number];

/** Connector id (as the repo's sandbox config and block-ip playbook name them) and type per cloud. */
export const CONNECTOR: Record<Cloud, { id: string; type: ConnectorType }> = {
  aws: { id: 'aws-sandbox', type: 'aws-ec2' },
  azure: { id: 'azure-sandbox', type: 'azure-nsg' },
  gcp: { id: 'gcp-sandbox', type: 'gcp-firewall' },
};

/**
 * Added latency per request, [min, max] ms, drawn uniformly. Estimates of a control-plane call from a
 * service running in the same region, not measurements: EC2 Query calls are quick (~60-200 ms); ARM
 * writes and reads are slower (~100-400 ms per request; the LRO itself finishes on the first poll in
 * the simulator, which is optimistic for NSGs); compute v1 calls sit in between (~80-300 ms).
 */
export const LATENCY_MS: Record<Cloud, [number, number]> = {
  aws: [60, 200],
  azure: [100, 400],
  gcp: [80, 300],
};

export interface ServedClouds {
  endpoints: Record<Cloud, string>;
  sims: Record<Cloud, Simulator>;
  close(): Promise<void>;
}

/** Fresh simulators with realistic latency and the clouds' real write-rate limits, one loopback server each. */
export async function serveClouds(seed: number): Promise<ServedClouds> {
  const servers: ReturnType<typeof serve>[] = [];
  const endpoints = {} as Record<Cloud, string>;
  const sims = {} as Record<Cloud, Simulator>;
  for (const cloud of CLOUDS) {
    const options: SimulatorOptions = { latencyMs: LATENCY_MS[cloud], writeRateLimits: true, seed };
    const sim = connectorRegistry[CONNECTOR[cloud].type].createSimulator(options);
    const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const s = serve({ fetch: (req) => sim.fetch(req), hostname: '127.0.0.1', port: 0 }, () => resolve(s));
      s.once('error', reject);
    });
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error(`no address for the ${cloud} simulator`);
    // GCP's endpoint is the client's rootUrl, which must end with a slash.
    endpoints[cloud] = `http://127.0.0.1:${address.port}${cloud === 'gcp' ? '/' : ''}`;
    sims[cloud] = sim;
    servers.push(server);
  }
  return {
    endpoints,
    sims,
    close: async () => {
      for (const s of servers) if ('closeAllConnections' in s) s.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

/**
 * One measurement: an unmeasured warm-up, then a measured autocannon run of equal shape, with the CPU
 * time the server process and this (client) process used during the measured part.
 */
import autocannon, { type RequestSpec, type Result } from 'autocannon';
import { loadavg } from 'node:os';
import { type ServerProcess, cpuSeconds } from './processes.ts';

export interface LoadShape {
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
}

export interface Measurement {
  label: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Completed responses with a 2xx status (warm-up included), to check against what the server stored. */
  ok2xxTotal: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** CPU used during the measured part, in cores (1.0 = one core busy all the time). */
  serverCores: number;
  clientCores: number;
  /** Calls that may have been committed but not counted: connections × autocannon runs. */
  inFlightAllowance: number;
  /** The machine's 1-minute load average when the measured part ended (others share this machine). */
  loadAverage: number;
  /** Wall-clock bounds (Date.now()) of the measured part, to cut a CPU profile to it. */
  measuredFrom: number;
  measuredTo: number;
}

const run = (server: ServerProcess, request: RequestSpec, connections: number, seconds: number): Promise<Result> =>
  autocannon({ url: server.url, connections, duration: seconds, pipelining: 1, timeout: 10, requests: [request] });

export async function measure(label: string, server: ServerProcess, request: RequestSpec, shape: LoadShape): Promise<Measurement> {
  let warm2xx = 0;
  if (shape.warmupSeconds > 0) {
    const warm = await run(server, request, shape.connections, shape.warmupSeconds);
    warm2xx = warm['2xx'];
  }
  const serverBefore = cpuSeconds(server.pid);
  const clientBefore = process.cpuUsage();
  const measuredFrom = Date.now();
  const started = performance.now();
  const result = await run(server, request, shape.connections, shape.durationSeconds);
  const elapsed = (performance.now() - started) / 1000;
  const client = process.cpuUsage(clientBefore);
  const measuredTo = Date.now();
  return {
    label,
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok2xxTotal: warm2xx + result['2xx'],
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    serverCores: (cpuSeconds(server.pid) - serverBefore) / elapsed,
    clientCores: (client.user + client.system) / 1e6 / elapsed,
    inFlightAllowance: shape.connections * (shape.warmupSeconds > 0 ? 2 : 1),
    loadAverage: loadavg()[0] ?? 0,
    measuredFrom,
    measuredTo,
  };
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/**
 * Cloudflare list burst (issue 12): N distinct blocks to one Cloudflare list, on the simulator with
 * its documented rate limits on (1,200 requests / 5 min per user, 10,000 list item changes / 5 min,
 * one pending bulk operation per account) and 50 ms per request, in simulated time (a fake clock:
 * waits cost no wall time).
 *
 *   node bin/run-ts.mjs bench/cloudflare.ts [--blocks 10000] [--batches 10]
 *
 * The connector side converges as the reconciler does (list → plan → apply per pass), the blocks
 * arriving in `batches` bursts. The naive side sends one item per call (POST + poll to completion)
 * through the same API client and retry policy, one block after another.
 */
import { setupServer } from 'msw/node';
import { createCloudflareApi, SIMULATOR_API_TOKEN } from '../connectors/cloudflare/api.ts';
import { runBulk } from '../connectors/cloudflare/bulk.ts';
import { cloudflareConfigSchema } from '../connectors/cloudflare/config.ts';
import { createCloudflareConnector } from '../connectors/cloudflare/connector.ts';
import { createCloudflareSimulator } from '../connectors/cloudflare/simulator/index.ts';
import { mswHandlers } from '../connectors/cloudflare/simulator/msw.ts';
import { CF_SIM_ACCOUNT, CF_SIM_LIST, CF_SIM_LIST_ID, CF_SIM_ZONE } from '../connectors/cloudflare/simulator/seed.ts';
import { defaultRetryOptions } from '../src/connectors/types.ts';
import { plan } from '../src/reconcile/packing-plan.ts';
import { FakeClock } from '../test/support/fake-clock.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const BLOCKS = arg('blocks', 10_000);
const BATCHES = arg('batches', 10);
// Odd last octets across many /24s: no two addresses are adjacent, so nothing merges.
const addresses = Array.from({ length: BLOCKS }, (_, i) => `100.${64 + Math.floor(i / 32_512)}.${Math.floor(i / 127) % 256}.${(i % 127) * 2 + 1}/32`);

function bed() {
  const clock = new FakeClock();
  const sim = createCloudflareSimulator({ clock, writeRateLimits: true, latencyMs: 50, quotas: { listItems: 500_000 } });
  const server = setupServer(...mswHandlers(sim));
  server.listen({ onUnhandledFrame: 'error' });
  return { clock, sim, close: () => server.close() };
}
const config = cloudflareConfigSchema.parse({
  accountId: CF_SIM_ACCOUNT,
  credentials: { source: 'simulator' },
  plan: 'enterprise',
  targets: [{ id: 'edge', zoneId: CF_SIM_ZONE, listName: CF_SIM_LIST }],
});

async function connectorRun() {
  const { clock, sim, close } = bed();
  const log = { info: () => undefined, warn: () => undefined };
  const connector = createCloudflareConnector('cf', config, { clock, log, retry: defaultRetryOptions, resolveSecret: () => '' });
  const wall = performance.now();
  const per = Math.ceil(BLOCKS / BATCHES);
  let passes = 0;
  for (let b = 1; b <= BATCHES; b++) {
    const desired = [{ match: { direction: 'ingress' as const, action: 'deny' as const, protocol: 'all' as const, ports: [], placement: 'cf-list' as const }, cidrs: addresses.slice(0, b * per) }];
    const planned = plan(await connector.list('edge'), desired, (p) => connector.limits('edge', p));
    const results = await connector.apply('edge', planned.changes);
    passes++;
    const failed = results.filter((r) => !r.ok);
    if (failed.length || planned.overflow.length) throw new Error(`pass ${b}: ${failed[0]?.error?.message ?? planned.overflow[0]?.detail}`);
  }
  const out = { held: sim.controls.listItems(CF_SIM_LIST).length, writes: sim.controls.writeCalls(), requests: sim.controls.requests(), throttled: sim.controls.throttledCalls(), simulatedS: (clock.now() - Date.parse('2026-01-01T00:00:00Z')) / 1000, wallMs: Math.round(performance.now() - wall), passes };
  close();
  return out;
}

async function naiveRun() {
  const { clock, sim, close } = bed();
  const api = createCloudflareApi('https://api.cloudflare.com', SIMULATOR_API_TOKEN, { clock, retry: defaultRetryOptions });
  const settings = { accountId: CF_SIM_ACCOUNT, pollIntervalMs: 1000, maxPolls: 120, clock };
  const wall = performance.now();
  let lost = 0;
  for (const cidr of addresses) {
    const error = await runBulk(api, settings, CF_SIM_LIST_ID, 'POST', [{ ip: cidr.replace(/\/32$/, '') }], []);
    if (error) lost++;
  }
  const out = { held: sim.controls.listItems(CF_SIM_LIST).length, lost, writes: sim.controls.writeCalls(), requests: sim.controls.requests(), throttled: sim.controls.throttledCalls(), simulatedS: (clock.now() - Date.parse('2026-01-01T00:00:00Z')) / 1000, wallMs: Math.round(performance.now() - wall) };
  close();
  return out;
}

const minimumWrites = Math.ceil(BLOCKS / 10_000);
console.log(`cloudflare list burst: ${BLOCKS} distinct blocks, ${BATCHES} bursts; all-at-once minimum ${minimumWrites} item write(s) (10,000 changes / 5 min)`);
const c = await connectorRun();
console.log(`connector: held ${c.held}/${BLOCKS} in ${c.passes} passes; ${c.writes} item writes (${(c.writes / Math.max(minimumWrites, BATCHES)).toFixed(2)}x one per burst), ${c.requests} requests, ${c.throttled} throttled; simulated ${c.simulatedS.toFixed(1)} s; wall ${c.wallMs} ms`);
const n = await naiveRun();
// A naive client that waited out every 429 still needs >= 2 requests per block (POST, one poll).
console.log(`naive lower bound if it waited out every 429: ${(((2 * BLOCKS) / 1200) * 5).toFixed(1)} min (2 requests per block at 1,200 / 5 min)`);
console.log(`naive (one item per call, shared retry policy): held ${n.held}/${BLOCKS}, lost ${n.lost}; ${n.writes} item writes, ${n.requests} requests, ${n.throttled} throttled; simulated ${(n.simulatedS / 60).toFixed(1)} min; wall ${n.wallMs} ms`);

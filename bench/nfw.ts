/**
 * AWS Network Firewall connector under a burst (issue 12): N distinct blocks to one stateless rule group,
 * through the real connector and SDK, against the simulator served on 127.0.0.1 with its write-rate limit
 * (assumed: 5 writes at once, 1 per second) and per-request latency of 60-200 ms.
 *
 *   node bin/run-ts.mjs bench/nfw.ts [--blocks 10000] [--naive 1000]
 *
 * Time is the simulator's and the connector's injected clock (a fake clock that advances by the latency
 * and by every backoff wait), so the figures are the cloud-side time the write-rate limit and latency
 * allow, not this machine's speed; the CPU time spent is printed beside.
 *  - batched: what the reconciler does: list, plan through the real packing, one apply (= one
 *    DescribeRuleGroup + one UpdateRuleGroup) for the whole burst.
 *  - naive: one apply per block (describe + update each), as a client calling the API per indicator.
 */
import { serve } from '@hono/node-server';
import { awsNetworkFirewall } from '../connectors/aws-network-firewall/index.ts';
import type { NfwSimulator } from '../connectors/aws-network-firewall/simulator/index.ts';
import { defaultRetryOptions, type NormalizedRule, type RuleChange } from '../src/connectors/types.ts';
import { plan } from '../src/reconcile/packing-plan.ts';
import { FakeClock } from '../test/support/fake-clock.ts';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const BLOCKS = arg('blocks', 10_000);
const NAIVE = arg('naive', 1_000);
/** A stateless group's largest capacity: room for 30,000 one-address blocks. */
const CAPACITY = 30_000;

// Odd last octets only: no two addresses are siblings, so packing cannot merge them into a wider prefix.
const address = (i: number) => `198.18.${Math.floor(i / 128)}.${2 * (i % 128) + 1}`;

async function setup() {
  const clock = new FakeClock();
  const sim = awsNetworkFirewall.createSimulator({ clock, latencyMs: [60, 200], writeRateLimits: true, seed: 7, quotas: { ruleGroupCapacity: CAPACITY } }) as NfwSimulator;
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: (req) => sim.fetch(req), hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const port = (server.address() as { port: number }).port;
  const config = awsNetworkFirewall.configSchema.parse({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { source: 'simulator' },
    targets: [{ id: 'edge', ruleGroup: 'portcullis-blocks', priorityBand: { from: 100, to: 199 } }],
  });
  const connector = awsNetworkFirewall.create('nfw', config, { clock, log: { info: () => {}, warn: () => {} }, retry: defaultRetryOptions, resolveSecret: () => '' });
  return { clock, sim, connector, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function batched() {
  const env = await setup();
  const cpu = process.cpuUsage();
  const started = env.clock.now();
  const cidrs = Array.from({ length: BLOCKS }, (_, i) => `${address(i)}/32`);
  const current = await env.connector.list('edge');
  const planned = plan(current, [{ match: { direction: 'ingress', action: 'deny', protocol: 'all', ports: [], placement: 'nfw' }, cidrs }], (p) => env.connector.limits('edge', p));
  const results = await env.connector.apply('edge', planned.changes);
  const held = (await env.connector.list('edge')).filter((r) => r.owned).reduce((n, r) => n + r.cidrs.length, 0);
  const seconds = (env.clock.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await env.close();
  return {
    held,
    failed: results.filter((r) => !r.ok).length + planned.overflow.length,
    writes: env.sim.controls.writeCalls(),
    throttled: env.sim.controls.throttledCalls(),
    rules: planned.changes.length,
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
}

async function naive() {
  const env = await setup();
  const cpu = process.cpuUsage();
  const started = env.clock.now();
  let held = 0;
  for (let i = 0; i < NAIVE; i++) {
    const rule: NormalizedRule = { direction: 'ingress', action: 'deny', protocol: 'all', ports: [], cidrs: [`${address(i)}/32`], priority: 100 + (i % 100), placement: 'nfw', owned: true };
    // One rule per address: the band holds 100 rules, so the naive client adds the address to a rule of its own slot.
    const existing = (await env.connector.list('edge')).find((r) => r.owned && r.priority === rule.priority);
    const change: RuleChange = existing ? { op: 'update', before: existing, rule: { ...existing, cidrs: [...existing.cidrs, ...rule.cidrs] } } : { op: 'create', rule };
    const [result] = await env.connector.apply('edge', [change]);
    if (result?.ok) held++;
  }
  const seconds = (env.clock.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await env.close();
  return { held, writes: env.sim.controls.writeCalls(), throttled: env.sim.controls.throttledCalls(), seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

const b = await batched();
console.log(`batched: ${BLOCKS} blocks → ${b.held} held, ${b.failed} failed, ${b.rules} rule(s), ${b.writes} UpdateRuleGroup call(s) (all-at-once minimum: 1), ${b.throttled} throttled; held after ${b.seconds.toFixed(2)} s simulated (${b.cpuSeconds.toFixed(2)} s CPU)`);
const n = await naive();
console.log(
  `naive:   ${NAIVE} blocks → ${n.held} held, ${n.writes} UpdateRuleGroup calls (${n.throttled} throttled), ${n.seconds.toFixed(0)} s simulated (${n.cpuSeconds.toFixed(2)} s CPU); ${BLOCKS} blocks at the same rate: ≥ ${Math.round((n.seconds / NAIVE) * BLOCKS)} s`,
);
if (b.held !== BLOCKS || b.writes > Math.ceil(1.2 * 1)) {
  console.error('nfw bench: FAILED (every block must hold, in at most 1.2× the minimum writes)');
  process.exit(1);
}

/**
 * AWS WAF IP sets (issue 12): what a burst of N distinct blocks costs on the aws-wafv2 connector, against
 * its simulator with WAF's write rate enforced (one call per second per write action).
 *
 *   node bin/run-ts.mjs bench/wafv2.ts [--sizes 1000,10000,25000,60000] [--naive 300]
 *
 * Each size is one reconcile pass (plan through the real packing, then Connector.apply) on a fresh
 * simulator, through the real @aws-sdk/client-wafv2 (msw routes it into the simulator). Time is measured
 * twice: wall time of this process, and simulated time on the fake clock both share (the connector's
 * write spacing and any backoff advance it), i.e. how long the pass would take against WAF's rate.
 * The all-at-once minimum is ceil(N / 10,000) CreateIPSet + 1 UpdateWebACL. Then 100 more blocks onto
 * the largest target held (one UpdateIPSet). For contrast, the naive one-call-per-block client
 * (GetIPSet + UpdateIPSet per address, the peers' pattern), on `--naive` blocks.
 */
import { parseArgs } from 'node:util';
import { GetIPSetCommand, UpdateIPSetCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { setupServer } from 'msw/node';
import { createWafConnector } from '../connectors/aws-wafv2/connector.ts';
import { createWafSimulator } from '../connectors/aws-wafv2/simulator/index.ts';
import { mswHandlers } from '../connectors/aws-wafv2/simulator/msw.ts';
import { testConfig, testContext } from '../connectors/aws-wafv2/testbed.ts';
import type { RuleMatch } from '../src/reconcile/packing-match.ts';
import { plan } from '../src/reconcile/packing-plan.ts';
import { FakeClock } from '../test/support/fake-clock.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,10000,25000,60000' }, naive: { type: 'string', default: '300' } } });
const sizes = values.sizes.split(',').map(Number);
const TARGET = 'edge';
const deny: RuleMatch = { direction: 'ingress', action: 'deny', protocol: 'all', ports: [], placement: 'wafv2' };
// Even addresses only (no two are siblings), so packing cannot merge them: every block is one address.
const addresses = (n: number, offset = 0) => Array.from({ length: n }, (_, k) => k + offset).map((i) => `10.${(i >> 15) & 255}.${(i >> 7) & 255}.${(i & 127) * 2}/32`);

// One msw server for the run (msw patches the process once); it answers with the current bed's simulator.
let current: ReturnType<typeof createWafSimulator> | undefined;
const server = setupServer(...mswHandlers({ origins: ['https://wafv2.us-east-1.amazonaws.com'], fetch: (request) => (current as NonNullable<typeof current>).fetch(request) }));
server.listen({ onUnhandledFrame: 'error' });

function bed() {
  const clock = new FakeClock();
  const sim = createWafSimulator({ clock, writeRateLimits: true });
  current = sim;
  const connector = createWafConnector('aws-waf', testConfig({ maxIpSets: 20 }), testContext(clock));
  return { clock, sim, connector, use: () => (current = sim) };
}

async function pass(b: ReturnType<typeof bed>, cidrs: string[]) {
  const t0 = performance.now();
  const s0 = b.clock.now();
  const w0 = b.sim.controls.writeCalls();
  const planned = plan(await b.connector.list(TARGET), [{ match: deny, cidrs }], (p) => b.connector.limits(TARGET, p));
  const results = await b.connector.apply(TARGET, planned.changes);
  const failed = results.filter((r) => !r.ok);
  if (failed.length || planned.overflow.length) throw new Error(`pass failed: ${failed[0]?.error?.message ?? planned.overflow[0]?.detail}`);
  const held = (await b.connector.list(TARGET)).filter((r) => r.owned).reduce((n, r) => n + r.cidrs.length, 0);
  return { wallMs: performance.now() - t0, simulatedS: (b.clock.now() - s0) / 1000, writes: b.sim.controls.writeCalls() - w0, throttled: b.sim.controls.throttledCalls(), held };
}

console.log('| blocks | held | cloud writes | all-at-once minimum | ratio | throttled | simulated time (WAF rate) | wall time |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
let largest: { b: ReturnType<typeof bed>; cidrs: string[] } | undefined;
for (const n of sizes) {
  const b = bed();
  const cidrs = addresses(n);
  const r = await pass(b, cidrs);
  const minimum = Math.ceil(n / 10_000) + 1;
  console.log(`| ${n.toLocaleString('en')} | ${r.held.toLocaleString('en')} | ${r.writes} | ${minimum} | ${(r.writes / minimum).toFixed(2)} | ${r.throttled} | ${r.simulatedS.toFixed(0)} s | ${(r.wallMs / 1000).toFixed(2)} s |`);
  if (r.held !== n) throw new Error(`${n} blocks asked, ${r.held} held`);
  largest = { b, cidrs };
}
if (largest) {
  largest.b.use();
  const more = [...largest.cidrs, ...addresses(100, largest.cidrs.length)];
  const r = await pass(largest.b, more);
  console.log(`\n+100 blocks onto ${largest.cidrs.length.toLocaleString('en')} held: ${r.writes} cloud write(s), ${r.simulatedS.toFixed(0)} s simulated, ${(r.wallMs / 1000).toFixed(2)} s wall, ${r.held.toLocaleString('en')} held`);
}

// The naive client: one GetIPSet + UpdateIPSet per block into one set, waiting out each ThrottlingException.
const naiveCount = Number(values.naive);
{
  const b = bed();
  await pass(b, addresses(1, 1_000_000));
  const set = [...b.sim.state.ipSets.REGIONAL.values()][0];
  if (!set) throw new Error('no set');
  const client = new WAFV2Client({ region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'AKIAPORTCULLISSIM000', secretAccessKey: 'x' } });
  const s0 = b.clock.now();
  const w0 = b.sim.controls.writeCalls();
  const t0 = performance.now();
  for (const cidr of addresses(naiveCount)) {
    for (;;) {
      const got = await client.send(new GetIPSetCommand({ Scope: 'REGIONAL', Name: set.Name, Id: set.Id }));
      try {
        await client.send(new UpdateIPSetCommand({ Scope: 'REGIONAL', Name: set.Name, Id: set.Id, Addresses: [...(got.IPSet?.Addresses ?? []), cidr], Description: set.Description, LockToken: got.LockToken }));
        break;
      } catch (error) {
        if ((error as { name?: string }).name !== 'ThrottlingException') throw error;
        await b.clock.sleep(1000);
      }
    }
  }
  console.log(
    `\nnaive one-call-per-block client, ${naiveCount} blocks: ${b.sim.controls.writeCalls() - w0} cloud writes (${b.sim.controls.throttledCalls()} throttled), ${((b.clock.now() - s0) / 1000).toFixed(0)} s simulated, ${((performance.now() - t0) / 1000).toFixed(2)} s wall`,
  );
}
server.close();

/**
 * Placement-chain burst benchmark (issue 12): N distinct block-ip calls within a window through the HTTP API
 * of the real server (a child process), to the shipped block-ip targets: the AWS target, whose placement
 * chain is NACL → WAF IP set → Network Firewall rule group, the Cloudflare list, Azure and GCP. Every cloud
 * is a simulator served by this process on loopback with latency and its write-rate limits on, so the
 * bench reads each point's write counter. The WAF target is kept to one set of `--waf-addresses` so the
 * chain's third point is used too, and the chain can fill (its refusals must name every point).
 *
 *   node bin/run-ts.mjs bench/chains.ts [--blocks 10000] [--window-s 60] [--wait-s 120] [--waf-addresses 7000] [--profile-server DIR]
 *
 * Targets (PASS/FAIL): 0 lost; 0 refused on the AWS target while a point of its chain has room; every
 * accepted block settled within the window + 30 s; cloud writes per point within 1.2x the all-at-once
 * minimum. Exits 1 when a target is missed. Prints Markdown for docs/BENCHMARKS.md.
 */
import { serve } from '@hono/node-server';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { connectorRegistry } from '../connectors/all.ts';
import type { Simulator } from '../src/connectors/simulator.ts';
import type { ConnectorType } from '../src/connectors/types.ts';
import { burstAddresses, fireBurst } from './reconcile/burst.ts';
import { BENCH_CLIENT, startChild } from './reconcile/server.ts';

const { values } = parseArgs({
  options: {
    blocks: { type: 'string', default: '10000' },
    'window-s': { type: 'string', default: '60' },
    'wait-s': { type: 'string', default: '120' },
    'waf-addresses': { type: 'string', default: '7000' },
    seed: { type: 'string', default: '1' },
    'profile-server': { type: 'string' },
  },
});
const BLOCKS = Number(values.blocks);
const WINDOW_MS = Number(values['window-s']) * 1000;
const log = (line: string) => process.stderr.write(`${line}\n`);
const root = resolve(import.meta.dirname, '..');

interface Point {
  id: string;
  type: ConnectorType;
  latency: [number, number];
  block: Record<string, unknown>;
}
const POINTS: Point[] = [
  { id: 'aws-sandbox', type: 'aws-ec2', latency: [60, 200], block: {} },
  {
    id: 'aws-waf-sandbox',
    type: 'aws-wafv2',
    latency: [60, 200],
    block: { region: 'us-east-1', targets: [{ id: 'edge', webAcl: 'edge-web-acl', rulePriority: 0, maxIpSets: 1, maxAddressesPerSet: Number(values['waf-addresses']) }] },
  },
  {
    id: 'aws-nfw-sandbox',
    type: 'aws-network-firewall',
    latency: [60, 200],
    block: { region: 'us-east-1', targets: [{ id: 'edge', ruleGroup: 'portcullis-blocks', priorityBand: { from: 100, to: 199 } }] },
  },
  { id: 'cloudflare-sandbox', type: 'cloudflare', latency: [50, 250], block: {} },
  { id: 'azure-sandbox', type: 'azure-nsg', latency: [100, 400], block: {} },
  { id: 'gcp-sandbox', type: 'gcp-firewall', latency: [80, 300], block: {} },
];
const CHAIN = ['aws-sandbox/edge', 'aws-waf-sandbox/edge', 'aws-nfw-sandbox/edge'];

// 1. The simulators, one loopback server each.
const servers: ReturnType<typeof serve>[] = [];
const sims = new Map<string, Simulator>();
const endpoints = new Map<string, string>();
for (const p of POINTS) {
  const sim = connectorRegistry[p.type].createSimulator({ latencyMs: p.latency, writeRateLimits: true, seed: Number(values.seed) });
  const server = await new Promise<ReturnType<typeof serve>>((ok, fail) => {
    const s = serve({ fetch: (req) => sim.fetch(req), hostname: '127.0.0.1', port: 0 }, () => ok(s));
    s.once('error', fail);
  });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error(`no address for ${p.id}`);
  servers.push(server);
  sims.set(p.id, sim);
  endpoints.set(p.id, `http://127.0.0.1:${address.port}${p.type === 'gcp-firewall' ? '/' : ''}`);
}

// 2. The server's config: the shipped sandbox, its connectors pointed at these simulators, the 3-point chain.
function chainConfig(dataDir: string, port: number): string {
  const config = parse(readFileSync(join(root, 'portcullis.config.yaml'), 'utf8')) as { connectors: Record<string, unknown>[]; [k: string]: unknown };
  const shipped = new Map(config.connectors.map((c) => [c.id as string, c]));
  config.sandbox = false;
  config.listen = { host: '127.0.0.1', port };
  config.dataDir = dataDir;
  config.playbooksDir = join(root, 'playbooks');
  config.log = { level: 'warn' };
  config.clients = [{ id: BENCH_CLIENT, scopes: ['block', 'runs:read', 'audit:read'], secrets: [{ env: 'BENCH_SECRET' }], tokens: [{ env: 'BENCH_TOKEN' }] }];
  delete config.console;
  config.connectors = POINTS.map((p) => ({
    ...(shipped.get(p.id) ?? {}),
    id: p.id,
    type: p.type,
    ...p.block,
    simulator: false,
    credentials: { source: 'simulator' },
    endpoint: endpoints.get(p.id),
  }));
  config.placementChains = [{ id: 'aws-edge', mode: 'overflow', points: CHAIN }];
  return stringify(config);
}

const writesBefore = new Map([...sims].map(([id, s]) => [id, s.controls.writeCalls()]));
const child = await startChild({} as never, values['profile-server'], chainConfig);
interface BlockTarget {
  connector: string;
  state: string;
  error: string | null;
  points: string[];
}
let report: string[] = [];
let allPass = true;
try {
  const addresses = burstAddresses(BLOCKS, 'distinct');
  log(`server up at ${child.url}; ${BLOCKS} blocks within ${WINDOW_MS / 1000} s`);
  const startedAt = performance.now();
  const sent = await fireBurst(child, addresses, WINDOW_MS, startedAt);
  const accepted = new Set(sent.filter((x) => x.status === 202).map((x) => `${x.address}/32`));
  const lastAnswer = Math.max(...sent.map((x) => x.answeredAt));
  const notAccepted = new Map<string, number>();
  for (const x of sent.filter((y) => y.status !== 202)) {
    const key = `${x.status} ${(x.problem ?? '').slice(0, 120)}`;
    notAccepted.set(key, (notAccepted.get(key) ?? 0) + 1);
  }
  log(`${accepted.size} accepted; last answer ${(lastAnswer / 1000).toFixed(1)} s; not accepted: ${JSON.stringify([...notAccepted].slice(0, 5))}`);

  // 3. Poll GET /v1/blocks until no accepted block is pending on any target.
  let blocks: { cidr: string; targets: BlockTarget[] }[] = [];
  let settledAt = Number.NaN;
  const deadline = startedAt + WINDOW_MS + Number(values['wait-s']) * 1000;
  while (performance.now() < deadline) {
    // A saturated server may not even accept the connection: count that as not settled yet.
    const body = await fetch(`${child.url}/v1/blocks`, { headers: { authorization: `Bearer ${child.token}` }, signal: AbortSignal.timeout(60_000) })
      .then((r) => r.json() as Promise<{ blocks: typeof blocks }>)
      .catch(() => undefined);
    if (!body) continue;
    blocks = body.blocks.filter((b) => accepted.has(b.cidr));
    const pending = blocks.length < accepted.size || blocks.some((b) => b.targets.length < 4 || b.targets.some((t) => t.state === 'pending'));
    if (!pending) {
      settledAt = performance.now() - startedAt;
      break;
    }
    await new Promise((r) => setTimeout(r, 2_000));
  }
  const lost = accepted.size - blocks.length;
  const byTarget = new Map<string, { applied: number; failed: number; pending: number; capacity: number; firstError?: string }>();
  const onPoint = new Map<string, number>(CHAIN.map((p) => [p, 0]));
  for (const b of blocks) {
    for (const t of b.targets) {
      const tally = byTarget.get(t.connector) ?? { applied: 0, failed: 0, pending: 0, capacity: 0 };
      if (t.state === 'applied') tally.applied++;
      else if (t.state === 'failed') {
        tally.failed++;
        if (/capacity/i.test(t.error ?? '')) tally.capacity++;
        tally.firstError ??= t.error ?? '';
      } else tally.pending++;
      byTarget.set(t.connector, tally);
      if (t.connector === 'aws-sandbox') for (const p of t.points) onPoint.set(p, (onPoint.get(p) ?? 0) + 1);
    }
  }
  const writes = (id: string) => (sims.get(id)?.controls.writeCalls() ?? 0) - (writesBefore.get(id) ?? 0);
  const throttles = (id: string) => sims.get(id)?.controls.throttledCalls() ?? 0;
  const wafHeld = onPoint.get('aws-waf-sandbox/edge') ?? 0;
  const nfwHeld = onPoint.get('aws-nfw-sandbox/edge') ?? 0;
  const naclHeld = onPoint.get('aws-sandbox/edge') ?? 0;
  const aws = byTarget.get('aws-sandbox');
  // All-at-once minimum per point: one entry per NACL block; one CreateIPSet per set + one UpdateWebACL;
  // one UpdateRuleGroup for the Network Firewall group; one bulk item operation for the Cloudflare list.
  const minimum: Record<string, number> = {
    'aws-sandbox': naclHeld,
    'aws-waf-sandbox': wafHeld ? Math.ceil(wafHeld / Number(values['waf-addresses'])) + 1 : 0,
    'aws-nfw-sandbox': nfwHeld ? 1 : 0,
    'cloudflare-sandbox': (byTarget.get('cloudflare-sandbox')?.applied ?? 0) ? 1 : 0,
  };
  const room = (id: string) => id !== 'aws-nfw-sandbox' || (aws?.capacity ?? 0) === 0;
  const rows = POINTS.map((p) => {
    const held = p.id.startsWith('aws-') ? onPoint.get(`${p.id}/edge`) ?? 0 : byTarget.get(p.id)?.applied ?? 0;
    const min = minimum[p.id];
    const ratio = min ? writes(p.id) / min : undefined;
    return `| ${p.id} | ${held} | ${writes(p.id)} | ${min ?? '—'} | ${ratio === undefined ? '—' : ratio.toFixed(2)} | ${throttles(p.id)} |${room(p.id) ? '' : ' (full)'}`;
  });
  const targets: [string, boolean, string][] = [
    ['0 lost', lost === 0, `${lost} lost of ${accepted.size} accepted`],
    [
      '0 refused on the AWS target while a point of its chain has room',
      (aws?.capacity ?? 0) === 0 || (naclHeld >= 18 && wafHeld >= Number(values['waf-addresses']) && (aws?.firstError ?? '').includes('every point of placement chain aws-edge is full')),
      `${aws?.failed ?? 0} refused, all when NACL ${naclHeld}/18, WAF ${wafHeld}/${values['waf-addresses']}, NFW ${nfwHeld} held; first: ${(aws?.firstError ?? 'none').slice(0, 300)}`,
    ],
    ['every accepted block settled within window + 30 s', settledAt <= WINDOW_MS + 30_000, `settled ${(settledAt / 1000).toFixed(1)} s after the first call (window ${WINDOW_MS / 1000} s)`],
    ...Object.keys(minimum)
      .filter((id) => minimum[id])
      .map((id): [string, boolean, string] => [`${id} writes ≤ 1.2x all-at-once minimum`, writes(id) <= 1.2 * (minimum[id] ?? 0), `${writes(id)} writes, minimum ${minimum[id]}`]),
  ];
  allPass = targets.every(([, ok]) => ok);
  report = [
    `Command: \`${['node bin/run-ts.mjs bench/chains.ts', ...process.argv.slice(2)].join(' ')}\``,
    `Machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}`,
    `Burst: ${accepted.size} of ${BLOCKS} accepted; last answer ${(lastAnswer / 1000).toFixed(1)} s after the first call${
      notAccepted.size ? `; not accepted: ${[...notAccepted].map(([k, n]) => `${n}× ${k}`).join('; ')}` : ''
    }.`,
    '',
    '| point / target | blocks held | cloud writes | all-at-once minimum | ratio | throttled |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Per target (applied / refused for capacity / other failures / pending): ${[...byTarget].map(([id, t]) => `${id} ${t.applied}/${t.capacity}/${t.failed - t.capacity}/${t.pending}`).join('; ')}`,
    '',
    '| target | result | figure |',
    '|---|---|---|',
    ...targets.map(([name, ok, figure]) => `| ${name} | ${ok ? 'PASS' : '**FAIL**'} | ${figure.replace(/\|/g, '\\|')} |`),
  ];
} finally {
  await child.stop();
  for (const s of servers) if ('closeAllConnections' in s) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
}
console.log(report.join('\n'));
process.exitCode = allPass ? 0 : 1;

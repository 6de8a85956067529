/**
 * Burst of blocks benchmark (issue 4, item 9): N distinct block-ip calls within a window to three targets
 * (AWS NACL, Azure NSG, GCP firewall), each a simulator with realistic latency and the real write-rate
 * limits, served by this process on loopback; the real server runs as a child process. Then, against fresh
 * simulators, a naive client that makes one cloud call per block through the same connectors.
 *
 *   node bin/run-ts.mjs bench/reconcile.ts [--blocks 1000] [--window-s 10] [--wait-s 60] [--addresses distinct|mergeable]
 *                                          [--naive-concurrency 10] [--naive-deadline-s 600] [--skip-naive]
 *                                          [--profile-server DIR]   (a V8 CPU profile of the server, written when it stops)
 *
 * Prints Markdown for docs/BENCHMARKS.md; exits 1 when a target is missed.
 */
import { execFileSync } from 'node:child_process';
import { cpus, freemem, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { passesFromAudit } from './reconcile/audit-passes.ts';
import { burstAddresses, fireBurst, waitSettled } from './reconcile/burst.ts';
import { CLOUDS, type Cloud, LATENCY_MS, serveClouds } from './reconcile/clouds.ts';
import { connectorsFor, holding } from './reconcile/holding.ts';
import { runNaive } from './reconcile/naive.ts';
import { mergePrefixes } from '../src/reconcile/packing-prefixes.ts';
import { type CloudResult, renderPasses, renderTable, renderTargets } from './reconcile/report.ts';
import { benchConfig, startChild } from './reconcile/server.ts';

const { values } = parseArgs({
  options: {
    blocks: { type: 'string', default: '1000' },
    'window-s': { type: 'string', default: '10' },
    'wait-s': { type: 'string', default: '60' },
    'poll-ms': { type: 'string', default: '250' },
    addresses: { type: 'string', default: 'distinct' },
    'naive-concurrency': { type: 'string', default: '10' },
    'naive-deadline-s': { type: 'string', default: '600' },
    'skip-naive': { type: 'boolean', default: false },
    'profile-server': { type: 'string' },
    seed: { type: 'string', default: '1' },
  },
});
const BLOCKS = Number(values.blocks);
const mode = values.addresses === 'mergeable' ? 'mergeable' : 'distinct';
const seed = Number(values.seed);
const log = (line: string) => process.stderr.write(`${line}\n`);
const addresses = burstAddresses(BLOCKS, mode);
const PLACEMENT = { aws: 'nacl', azure: 'nsg', gcp: 'firewall' } as const;

// 1. The service: the burst, then GET /v1/blocks until every target settles.
const service = await serveClouds(seed);
const child = await startChild(service.endpoints, values['profile-server']);
let results: Record<Cloud, CloudResult>;
let sentSummary: string;
try {
  log(`server up at ${child.url}; firing ${BLOCKS} blocks within ${values['window-s']} s (${mode} addresses)`);
  const startedAt = performance.now();
  const startedWall = Date.now();
  const sent = await fireBurst(child, addresses, Number(values['window-s']) * 1000, startedAt);
  const accepted = sent.filter((x) => x.status === 202).map((x) => x.address);
  const lastAnswer = Math.max(...sent.map((x) => x.answeredAt));
  const refusedAtEdge = sent.filter((x) => x.status !== 202);
  sentSummary = `${accepted.length} of ${BLOCKS} calls accepted (202); last answer ${(lastAnswer / 1000).toFixed(1)} s after the first call${
    refusedAtEdge.length ? `; not accepted: ${refusedAtEdge.length} (first: ${refusedAtEdge[0]?.status} ${refusedAtEdge[0]?.problem})` : ''
  }`;
  log(sentSummary);
  const tallies = await waitSettled(child, accepted, startedAt, { maxWaitMs: Number(values['wait-s']) * 1000, pollMs: Number(values['poll-ms']) });
  const counters = Object.fromEntries(CLOUDS.map((c) => [c, { writes: service.sims[c].controls.writeCalls(), throttles: service.sims[c].controls.throttledCalls() }]));
  const passes = await passesFromAudit(child);
  const connectors = connectorsFor(child.configText);
  // The all-at-once minimum counts prefixes after exact merging (mergeable mode), capped where one entry holds one prefix.
  const merged = mergePrefixes(accepted.map((a) => `${a}/32`)).length;
  results = {} as Record<Cloud, CloudResult>;
  for (const cloud of CLOUDS) {
    const held = await holding(connectors[cloud], accepted);
    const prefixesPerRule = connectors[cloud].limits('edge', PLACEMENT[cloud]).maxPrefixesPerRule;
    const holdable = prefixesPerRule === 1 ? Math.min(merged, held.rules) : merged;
    results[cloud] = {
      service: { tally: tallies[cloud], writes: counters[cloud]?.writes ?? 0, throttles: counters[cloud]?.throttles ?? 0, passes: passes[cloud], cloudHolds: held.held },
      minimumWrites: Math.ceil(holdable / prefixesPerRule),
      prefixesPerRule,
    };
    const { timeline, ...passSummary } = passes[cloud];
    log(`${cloud}: ${JSON.stringify({ ...tallies[cloud], writes: counters[cloud], passes: passSummary, cloud: held })}`);
    const relative = (iso: string) => `+${((Date.parse(iso) - startedWall) / 1000).toFixed(1)}s`;
    log(`  passes: ${timeline.map((p) => `${relative(p.at)} ${p.intents} intents [${p.writes.join(' ')}]`).join('; ')}`);
  }
  const warnings = child.output.filter((l) => /"level":(40|50|60)/.test(l));
  if (warnings.length) log(`server warnings/errors: ${warnings.length}; first: ${warnings.slice(0, 3).join('\n')}`);
} finally {
  await child.stop();
  await service.close();
}

// 2. The naive client against fresh simulators.
if (!values['skip-naive']) {
  const fresh = await serveClouds(seed);
  try {
    const connectors = connectorsFor(benchConfig(fresh.endpoints, '/nonexistent', 0));
    log(`naive client: ${values['naive-concurrency']} in flight per cloud, deadline ${values['naive-deadline-s']} s`);
    const naive = await runNaive(connectors, addresses, {
      concurrency: Number(values['naive-concurrency']),
      deadlineMs: Number(values['naive-deadline-s']) * 1000,
      onProgress: (cloud, done) => log(`  naive ${cloud}: ${done} done`),
    });
    for (const cloud of CLOUDS) {
      const writes = fresh.sims[cloud].controls.writeCalls();
      const throttles = fresh.sims[cloud].controls.throttledCalls();
      const held = await holding(connectors[cloud], addresses);
      results[cloud].naive = { tally: naive[cloud], writes, throttles, cloudHolds: held.held };
      log(`naive ${cloud}: ${JSON.stringify({ ...naive[cloud], errors: Object.fromEntries(naive[cloud].errors), writes, throttles, cloud: held })}`);
    }
  } finally {
    await fresh.close();
  }
}

// 3. The report.
const machine = `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} GiB free), node ${process.version}`;
const free = execFileSync('free', ['-h'], { encoding: 'utf8' }).split('\n')[1]?.replace(/\s+/g, ' ') ?? '';
const targets = renderTargets(results, { maxWritesPerPass: 1, minRatio: 20, holdWithinMs: 30_000 });
console.log(
  [
    `Command: \`${['node bin/run-ts.mjs bench/reconcile.ts', ...process.argv.slice(2)].join(' ')}\``,
    `Machine: ${machine}; \`free -h\`: ${free}`,
    `Latency per request (ms, uniform): ${CLOUDS.map((c) => `${c} ${LATENCY_MS[c].join('-')}`).join(', ')}; write-rate limits on.`,
    `Burst: ${sentSummary}.`,
    '',
    ...renderTable(results, addresses.length),
    '',
    ...renderPasses(results),
    '',
    ...targets.lines,
  ].join('\n'),
);
process.exitCode = targets.allPass ? 0 : 1;

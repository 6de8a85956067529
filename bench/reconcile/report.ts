/** The comparison table and the issue's targets, as Markdown (pasted into docs/BENCHMARKS.md as printed). */
import type { PassStats } from './audit-passes.ts';
import type { TargetTally } from './burst.ts';
import { CLOUDS, type Cloud } from './clouds.ts';
import type { NaiveTally } from './naive.ts';

export interface CloudResult {
  service: { tally: TargetTally; writes: number; throttles: number; passes: PassStats; cloudHolds: number };
  naive?: { tally: NaiveTally; writes: number; throttles: number; cloudHolds: number };
  /** ceil(blocks the target can hold / prefixes per rule): every block written at once. */
  minimumWrites: number;
  prefixesPerRule: number;
}

export interface Targets {
  maxWritesPerPass: number;
  minRatio: number;
  holdWithinMs: number;
}

const s = (ms: number | undefined) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`);
const mark = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

export function serviceLost(r: CloudResult): number {
  const t = r.service.tally;
  return t.failedOther + t.pending + t.missing + Math.max(0, t.applied - r.service.cloudHolds);
}

export function renderTable(results: Record<Cloud, CloudResult>, accepted: number): string[] {
  const lines = [
    '| target | client | cloud writes | all-at-once minimum | throttling errors met | held in the cloud | refused for room (capacity, quota, band) | lost | time until every accepted block holds |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const cloud of CLOUDS) {
    const r = results[cloud];
    const t = r.service.tally;
    lines.push(
      `| ${cloud} | portcullis | ${r.service.writes} | ${r.minimumWrites} (${r.prefixesPerRule} per rule) | ${r.service.throttles} | ${r.service.cloudHolds} / ${accepted} | ${t.refusedCapacity} | ${serviceLost(r)} | ${s(t.settledAt)} |`,
    );
    if (r.naive) {
      const n = r.naive.tally;
      const lost = n.lost + Math.max(0, n.held - r.naive.cloudHolds);
      const unfinished = n.notAttempted ? ` (+${n.notAttempted} not attempted by the deadline)` : '';
      const holdTime = n.notAttempted || n.lost ? `never${n.lastHeldAt ? ` (last held at ${s(n.lastHeldAt)})` : ''}` : s(n.lastHeldAt);
      lines.push(`| ${cloud} | naive | ${r.naive.writes} | | ${r.naive.throttles} | ${r.naive.cloudHolds} / ${accepted} | ${n.refused} | ${lost}${unfinished} | ${holdTime} |`);
    }
  }
  return lines;
}

export function renderPasses(results: Record<Cloud, CloudResult>): string[] {
  const lines = [
    '| target | reconcile passes | passes that wrote | writes (audit) | writes (simulator) | writes per writing pass | most writes in one pass |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const cloud of CLOUDS) {
    const p = results[cloud].service.passes;
    const perPass = p.writingPasses ? (results[cloud].service.writes / p.writingPasses).toFixed(2) : '0';
    lines.push(`| ${cloud} | ${p.passes} | ${p.writingPasses} | ${p.writes} | ${results[cloud].service.writes} | ${perPass} | ${p.maxWritesInOnePass} |`);
  }
  return lines;
}

export function renderTargets(results: Record<Cloud, CloudResult>, targets: Targets): { lines: string[]; allPass: boolean } {
  const lines = ['| target | ≤ 1 write per pass | ≥ 20x fewer writes than naive | zero blocks lost | every accepted block holds ≤ 30 s |', '|---|---|---|---|---|'];
  let allPass = true;
  const totalService = CLOUDS.reduce((n, c) => n + results[c].service.writes, 0);
  const totalNaive = CLOUDS.reduce((n, c) => n + (results[c].naive?.writes ?? 0), 0);
  for (const cloud of CLOUDS) {
    const r = results[cloud];
    const perPass = r.service.passes.maxWritesInOnePass <= targets.maxWritesPerPass;
    // One prefix per rule (EC2 NACL entries): every block is its own write, whoever sends it.
    const inherent = r.prefixesPerRule === 1 && r.service.writes <= r.minimumWrites ? '; 1 prefix per entry, writes = all-at-once minimum' : '';
    const ratio = r.naive ? r.naive.writes / Math.max(1, r.service.writes) : Number.NaN;
    const fewer = r.naive ? ratio >= targets.minRatio : false;
    const lost = serviceLost(r) === 0;
    const held = (r.service.tally.settledAt ?? Number.POSITIVE_INFINITY) <= targets.holdWithinMs;
    allPass &&= perPass && fewer && lost && held;
    lines.push(
      `| ${cloud} | ${mark(perPass)} (max ${r.service.passes.maxWritesInOnePass}${inherent}) | ${r.naive ? `${mark(fewer)} (${ratio.toFixed(1)}x${inherent})` : 'not run'} | ${mark(lost)} (${serviceLost(r)}) | ${mark(held)} (${s(r.service.tally.settledAt)}) |`,
    );
  }
  if (totalNaive) lines.push('', `All targets: naive ${totalNaive} writes / portcullis ${totalService} writes = ${(totalNaive / Math.max(1, totalService)).toFixed(1)}x.`);
  return { lines, allPass };
}

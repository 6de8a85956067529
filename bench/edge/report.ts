/** The bench's printed report: one line per measurement as it ends, then medians and the ratio. */
import { type Measurement, median } from './measure.ts';
import type { StoredCounts } from './stored.ts';

export interface Row extends Measurement {
  group: string;
  /** Measured rows must be error-free; informational rows are reported only. */
  measured: boolean;
  stored?: StoredCounts;
}

export interface GroupSummary {
  group: string;
  rounds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  serverCores: number;
  clientCores: number;
  loadAverage: number;
}

/** Server CPU milliseconds per answered request: steadier than req/s on a shared, noisy machine. */
const cpuMsPerRequest = (serverCores: number, rps: number) => (rps > 0 ? (1000 * serverCores) / rps : Number.NaN);

const num = (n: number, width: number, digits = 0) => n.toFixed(digits).padStart(width);

export function rowLine(r: Row): string {
  const stored = r.stored
    ? `  stored runs ${r.stored.runs}, reconcile passes ${r.stored.auditByAction['reconcile.pass'] ?? 0}`
    : '';
  return `${r.label.padEnd(44)} load ${num(r.loadAverage, 5, 1)} ${num(r.requestsPerSecond, 8)} req/s  p50 ${num(r.p50Ms, 4)} ms  p99 ${num(r.p99Ms, 4)} ms  errors ${r.errors + r.timeouts}  non-2xx ${r.non2xx}  cpu server ${num(r.serverCores, 4, 2)} (${num(cpuMsPerRequest(r.serverCores, r.requestsPerSecond), 5, 2)} ms/req) client ${num(r.clientCores, 4, 2)}${stored}`;
}

export function summarize(rows: Row[]): GroupSummary[] {
  const groups = [...new Set(rows.map((r) => r.group))];
  return groups.map((group) => {
    const of = rows.filter((r) => r.group === group);
    return {
      group,
      rounds: of.length,
      requestsPerSecond: median(of.map((r) => r.requestsPerSecond)),
      p50Ms: median(of.map((r) => r.p50Ms)),
      p99Ms: median(of.map((r) => r.p99Ms)),
      errors: of.reduce((n, r) => n + r.errors + r.timeouts, 0),
      non2xx: of.reduce((n, r) => n + r.non2xx, 0),
      serverCores: median(of.map((r) => r.serverCores)),
      clientCores: median(of.map((r) => r.clientCores)),
      loadAverage: median(of.map((r) => r.loadAverage)),
    };
  });
}

/** A Markdown table of the medians (pasted into docs/BENCHMARKS.md as is). */
export function summaryTable(summaries: GroupSummary[], baseline: number): string[] {
  const lines = [
    '| row | rounds | req/s (median) | p50 ms | p99 ms | errors | non-2xx | server CPU (cores) | server CPU ms/request | client CPU (cores) | load avg | ratio to baseline |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of summaries) {
    lines.push(
      `| ${s.group} | ${s.rounds} | ${s.requestsPerSecond.toFixed(0)} | ${s.p50Ms} | ${s.p99Ms} | ${s.errors} | ${s.non2xx} | ${s.serverCores.toFixed(2)} | ${cpuMsPerRequest(s.serverCores, s.requestsPerSecond).toFixed(3)} | ${s.clientCores.toFixed(2)} | ${s.loadAverage.toFixed(1)} | ${(s.requestsPerSecond / baseline).toFixed(2)} |`,
    );
  }
  return lines;
}

/** Why a row fails the run: transport errors, non-2xx answers, or runs answered but not stored. */
export function rowProblems(r: Row): string[] {
  const problems: string[] = [];
  if (r.errors + r.timeouts > 0) problems.push(`${r.errors} errors and ${r.timeouts} timeouts`);
  if (r.non2xx > 0) problems.push(`${r.non2xx} non-2xx answers`);
  // Runs stored = runs answered, plus at most the calls still in flight when the warm-up and the
  // measured part stopped (committed by the server, answer not counted by autocannon).
  if (r.stored && (r.stored.runs < r.ok2xxTotal || r.stored.runs > r.ok2xxTotal + r.inFlightAllowance)) {
    problems.push(`${r.ok2xxTotal} runs answered 2xx (+ up to ${r.inFlightAllowance} in flight) but ${r.stored.runs} stored`);
  }
  return problems;
}

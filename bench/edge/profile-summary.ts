/**
 * Reads a V8 .cpuprofile (from `node --cpu-prof`) and says where the time went: self time per
 * function and per file, and inclusive time (self + callees) per function of this repository.
 *
 *   node bin/run-ts.mjs bench/edge/profile-summary.ts <file.cpuprofile> [--top 25]
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './processes.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  startTime: number;
  endTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  name: string;
  percent: number;
}
export interface ProfileSummary {
  selfByFunction: ProfileShare[];
  selfByArea: ProfileShare[];
  inclusiveOwnCode: ProfileShare[];
}

/** A short place for a frame: repo-relative path, `node_modules/<package>`, `node:<module>` or a V8 marker. */
function place(url: string): string {
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (path.startsWith('node:')) return path;
  const rel = relative(ROOT, path);
  const nm = rel.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = rel.slice(nm + 'node_modules/'.length).split('/');
    return `node_modules/${parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  return rel.startsWith('..') ? path : rel;
}

const frameName = (n: ProfileNode): string => {
  const fn = n.callFrame.functionName || '(anonymous)';
  const where = place(n.callFrame.url);
  return where.startsWith('(') ? fn : `${where}:${fn}:${n.callFrame.lineNumber + 1}`;
};

const isOwnCode = (n: ProfileNode): boolean => /^(src|connectors|bench)\//.test(place(n.callFrame.url));

/**
 * A time window counted back from the end of the profile (the process's exit), in milliseconds:
 * the benchmark knows when its measured part started and ended relative to the server's exit, so
 * start-up (module loading, tsx) and warm-up are left out.
 */
export interface WindowBeforeEnd {
  fromMs: number;
  toMs: number;
}

export function summarizeProfile(file: string, top = 25, window?: WindowBeforeEnd): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const from = window ? profile.endTime - window.fromMs * 1000 : Number.NEGATIVE_INFINITY;
  const to = window ? profile.endTime - window.toMs * 1000 : Number.POSITIVE_INFINITY;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, number>();
  const area = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    const node = byId.get(id);
    if (!node || at < from || at > to) return;
    total += dt;
    self.set(frameName(node), (self.get(frameName(node)) ?? 0) + dt);
    const where = node.callFrame.url ? place(node.callFrame.url) : node.callFrame.functionName;
    area.set(where, (area.get(where) ?? 0) + dt);
    const seen = new Set<string>();
    for (let up: number | undefined = id; up !== undefined; up = parent.get(up)) {
      const frame = byId.get(up);
      if (!frame || !isOwnCode(frame)) continue;
      const name = frameName(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
    }
  });
  const ranked = (m: Map<string, number>): ProfileShare[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, t]) => ({ name, percent: (100 * t) / (total || 1) }));
  return { selfByFunction: ranked(self), selfByArea: ranked(area), inclusiveOwnCode: ranked(inclusive) };
}

export function printProfileSummary(summary: ProfileSummary, print: (line: string) => void = console.log): void {
  const section = (title: string, rows: ProfileShare[]) => {
    print(`  ${title}`);
    for (const r of rows) print(`    ${r.percent.toFixed(1).padStart(5)} %  ${r.name}`);
  };
  section('self time by file or package:', summary.selfByArea);
  section('self time by function:', summary.selfByFunction);
  section('inclusive time, own code (src/, connectors/):', summary.inclusiveOwnCode);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [--top N]');
  const topAt = process.argv.indexOf('--top');
  printProfileSummary(summarizeProfile(file, topAt > 0 ? Number(process.argv[topAt + 1]) : 25));
}

/**
 * Flow-log ingestion (issue 15): records/s of `ingestFlowLogs` beside a bare line-splitting loop over
 * the same file in the same run, and the peak RSS of each, at two sizes (memory must stay flat).
 *
 *   node bin/run-ts.mjs bench/flowlogs.ts [--sizes 1000000,10000000] [--azure 1000000] [--gcp 300000] [--threads N] [--dir D]
 *
 * AWS: generated default-format (v2) records against a target of 1,000 rules (40 NACL entries, 960
 * security-group rules), attributed by evaluation. Each measurement runs in a fresh child process
 * (so peak RSS is its own); the baseline (a bare readline loop, one thread), ingestion on one thread
 * and ingestion with worker threads (--threads, default: the machine's available parallelism)
 * alternate, twice each, and the better run counts. Targets (issue 15), printed PASS/FAIL: ingestion
 * ≥ 0.5× the baseline's records/s at the largest size, peak RSS < 300 MB, and flat from the smallest to
 * the largest size (at most 1.25× the smallest's). The single-thread ratio is printed beside the
 * parallel one: the baseline uses one core, the parallel ingestion all of them.
 * Azure (VNet flow log tuples) and GCP (firewall log entries): ingestion rates.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ingestFlowLogs } from '../src/flowlogs/index.ts';
import { forEachLine, forEachLineBytes, openInput } from '../src/flowlogs/source.ts';
import { awsTarget, azureRules, LOCAL, writeAwsLog, writeAzureLog, writeGcpLog } from './flowlogs/generate.ts';

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    file: { type: 'string' },
    sizes: { type: 'string', default: '1000000,10000000' },
    azure: { type: 'string', default: '1000000' },
    gcp: { type: 'string', default: '300000' },
    dir: { type: 'string' },
    threads: { type: 'string', default: String(availableParallelism()) },
  },
});

interface Result {
  records: number;
  ms: number;
  /** CPU time (user + system) of the measured part: steadier than wall time on a shared machine. */
  cpuMs: number;
  peakRssMb: number;
}

async function child(kind: string, file: string): Promise<Result> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let records = 0;
  if (kind === 'lines') {
    const input = await openInput(file);
    await forEachLine(input.stream, (line) => {
      if (line.length) records++;
    });
  } else if (kind === 'line-bytes') {
    // The same loop over raw bytes (Buffer.indexOf, no string per line): the splitter ingestion uses.
    const input = await openInput(file);
    await forEachLineBytes(input.stream, (_buf, start, end) => {
      if (end > start) records++;
    });
  } else {
    const threads = kind.startsWith('aws:') ? Number(kind.slice(4)) : undefined;
    const rules = kind.startsWith('aws') ? awsTarget() : kind === 'azure' ? azureRules() : azureRules().map((r) => ({ ...r, placement: 'firewall' as const }));
    const { usage } = await ingestFlowLogs([file], rules, { scope: { localCidrs: [LOCAL] }, threads });
    records = usage.stats.records + usage.stats.unattributed.direction_unknown * 0;
  }
  const cpu = process.cpuUsage(c0);
  return { records, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

function spawn(kind: string, file: string): Result {
  const out = execFileSync(process.execPath, ['bin/run-ts.mjs', 'bench/flowlogs.ts', '--child', kind, '--file', file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop() as string) as Result;
}

const rate = (r: Result) => Math.round(r.records / (r.ms / 1000));
const cpuRate = (r: Result) => r.records / r.cpuMs;
const cpuRatio = (ingest: Result, base: Result) => (cpuRate(ingest) / cpuRate(base)).toFixed(2);
const best = (a: Result, b: Result) => (rate(a) >= rate(b) ? a : b);
const leastCpu = (a: Result, b: Result) => (a.cpuMs <= b.cpuMs ? a : b);

if (values.child) {
  process.stdout.write(`${JSON.stringify(await child(values.child, values.file as string))}\n`);
} else {
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'portcullis-flowbench-'));
  const lines: string[] = [];
  const targets: string[] = [];
  const threads = Number(values.threads);
  const rss: number[] = [];
  let lastRatio = 0;
  try {
    for (const size of values.sizes.split(',').map(Number)) {
      const file = join(dir, `aws-${size}.log`);
      const g0 = performance.now();
      await writeAwsLog(file, size);
      const mb = statSync(file).size / 1e6;
      process.stderr.write(`generated ${size} AWS records (${mb.toFixed(0)} MB) in ${((performance.now() - g0) / 1000).toFixed(0)} s\n`);
      const bases: Result[] = [];
      const ones: Result[] = [];
      const many: Result[] = [];
      for (let run = 0; run < 2; run++) {
        bases.push(spawn('lines', file));
        ones.push(spawn('aws:1', file));
        if (threads > 1) many.push(spawn(`aws:${threads}`, file));
      }
      const base = best(bases[0] as Result, bases[1] as Result);
      const one = best(ones[0] as Result, ones[1] as Result);
      const par = threads > 1 ? best(many[0] as Result, many[1] as Result) : one;
      const cpu = cpuRatio(leastCpu(ones[0] as Result, ones[1] as Result), leastCpu(bases[0] as Result, bases[1] as Result));
      const ratio = rate(par) / rate(base);
      lastRatio = ratio;
      rss.push(Math.max(one.peakRssMb, par.peakRssMb));
      lines.push(
        `| AWS v2, ${size.toLocaleString('en')} records (${mb.toFixed(0)} MB) | ${rate(base).toLocaleString('en')} | ${rate(one).toLocaleString('en')} | ${(rate(one) / rate(base)).toFixed(2)} | ${cpu} | ${rate(par).toLocaleString('en')} | ${ratio.toFixed(2)} | ${base.peakRssMb.toFixed(0)} MB | ${one.peakRssMb.toFixed(0)} MB | ${par.peakRssMb.toFixed(0)} MB | ${par.records.toLocaleString('en')} |`,
      );
      process.stderr.write(`${lines[lines.length - 1]}\n`);
      rmSync(file);
    }
    const azure = Number(values.azure);
    if (azure) {
      const file = join(dir, 'azure.json');
      await writeAzureLog(file, azure);
      const r = spawn('azure', file);
      lines.push(`| Azure VNet flow logs, ${azure.toLocaleString('en')} tuples (${(statSync(file).size / 1e6).toFixed(0)} MB, one document) | | ${rate(r).toLocaleString('en')} | | | | | | ${r.peakRssMb.toFixed(0)} MB | | ${r.records.toLocaleString('en')} |`);
      rmSync(file);
    }
    const gcp = Number(values.gcp);
    if (gcp) {
      const file = join(dir, 'gcp.ndjson');
      await writeGcpLog(file, gcp);
      const base = spawn('lines', file);
      const r = spawn('gcp', file);
      lines.push(`| GCP firewall log entries, ${gcp.toLocaleString('en')} (${(statSync(file).size / 1e6).toFixed(0)} MB NDJSON) | ${rate(base).toLocaleString('en')} | ${rate(r).toLocaleString('en')} | ${(rate(r) / rate(base)).toFixed(2)} | ${cpuRatio(r, base)} | | | ${base.peakRssMb.toFixed(0)} MB | ${r.peakRssMb.toFixed(0)} MB | | ${r.records.toLocaleString('en')} |`);
      rmSync(file);
    }
  } finally {
    if (!values.dir) rmSync(dir, { recursive: true, force: true });
  }
  console.log(`| input | bare line loop, 1 thread (lines/s) | ingestion, 1 thread (records/s) | ratio, 1 thread | ratio, CPU time, 1 thread | ingestion, ${threads} threads (records/s) | ratio, ${threads} threads | peak RSS, line loop | peak RSS, 1 thread | peak RSS, ${threads} threads | records counted |`);
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const l of lines) console.log(l);
  if (rss.length) {
    const maxRss = Math.max(...rss);
    const flat = (rss[rss.length - 1] as number) <= 1.25 * (rss[0] as number);
    targets.push(`${lastRatio >= 0.5 ? 'PASS' : 'FAIL'} AWS records/s >= 0.5x the bare line loop at the largest size (${threads} threads vs 1): ${lastRatio.toFixed(2)}x`);
    targets.push(`${maxRss < 300 ? 'PASS' : 'FAIL'} AWS peak RSS < 300 MB: ${maxRss.toFixed(0)} MB`);
    targets.push(`${flat ? 'PASS' : 'FAIL'} AWS peak RSS flat from the smallest to the largest size (<= 1.25x): ${rss.map((r) => `${r.toFixed(0)} MB`).join(' -> ')}`);
  }
  for (const t of targets) console.log(t);
  if (targets.some((t) => t.startsWith('FAIL'))) process.exitCode = 1;
}

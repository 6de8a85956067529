/**
 * Flow-log ingestion (issue 15): records/s of `ingestFlowLogs` beside a bare line-splitting loop over
 * the same file in the same run, and the peak RSS of each, at two sizes (memory must stay flat).
 *
 *   node bin/run-ts.mjs bench/flowlogs.ts [--sizes 1000000,10000000] [--azure 1000000] [--gcp 300000] [--dir D]
 *
 * AWS: generated default-format (v2) records against a target of 1,000 rules (40 NACL entries, 960
 * security-group rules), attributed by evaluation. Each measurement runs in a fresh child process
 * (so peak RSS is its own); baseline and ingestion alternate, twice each, and the better run counts.
 * Azure (VNet flow log tuples) and GCP (firewall log entries): ingestion rates.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    const rules = kind === 'aws' ? awsTarget() : kind === 'azure' ? azureRules() : azureRules().map((r) => ({ ...r, placement: 'firewall' as const }));
    const { usage } = await ingestFlowLogs([file], rules, { scope: { localCidrs: [LOCAL] } });
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
  try {
    for (const size of values.sizes.split(',').map(Number)) {
      const file = join(dir, `aws-${size}.log`);
      const g0 = performance.now();
      await writeAwsLog(file, size);
      const mb = statSync(file).size / 1e6;
      process.stderr.write(`generated ${size} AWS records (${mb.toFixed(0)} MB) in ${((performance.now() - g0) / 1000).toFixed(0)} s\n`);
      const bases = [spawn('lines', file)];
      const ingests = [spawn('aws', file)];
      bases.push(spawn('lines', file));
      ingests.push(spawn('aws', file));
      const base = best(bases[0] as Result, bases[1] as Result);
      const ingest = best(ingests[0] as Result, ingests[1] as Result);
      const cpu = cpuRatio(leastCpu(ingests[0] as Result, ingests[1] as Result), leastCpu(bases[0] as Result, bases[1] as Result));
      lines.push(
        `| AWS v2, ${size.toLocaleString('en')} records (${mb.toFixed(0)} MB) | ${rate(base).toLocaleString('en')} | ${rate(ingest).toLocaleString('en')} | ${(rate(ingest) / rate(base)).toFixed(2)} | ${cpu} | ${base.peakRssMb.toFixed(0)} MB | ${ingest.peakRssMb.toFixed(0)} MB | ${ingest.records.toLocaleString('en')} |`,
      );
      process.stderr.write(`${lines[lines.length - 1]}\n`);
      rmSync(file);
    }
    const azure = Number(values.azure);
    if (azure) {
      const file = join(dir, 'azure.json');
      await writeAzureLog(file, azure);
      const r = spawn('azure', file);
      lines.push(`| Azure VNet flow logs, ${azure.toLocaleString('en')} tuples (${(statSync(file).size / 1e6).toFixed(0)} MB, one document) | | ${rate(r).toLocaleString('en')} | | | | ${r.peakRssMb.toFixed(0)} MB | ${r.records.toLocaleString('en')} |`);
      rmSync(file);
    }
    const gcp = Number(values.gcp);
    if (gcp) {
      const file = join(dir, 'gcp.ndjson');
      await writeGcpLog(file, gcp);
      const base = spawn('lines', file);
      const r = spawn('gcp', file);
      lines.push(`| GCP firewall log entries, ${gcp.toLocaleString('en')} (${(statSync(file).size / 1e6).toFixed(0)} MB NDJSON) | ${rate(base).toLocaleString('en')} | ${rate(r).toLocaleString('en')} | ${(rate(r) / rate(base)).toFixed(2)} | ${cpuRatio(r, base)} | ${base.peakRssMb.toFixed(0)} MB | ${r.peakRssMb.toFixed(0)} MB | ${r.records.toLocaleString('en')} |`);
      rmSync(file);
    }
  } finally {
    if (!values.dir) rmSync(dir, { recursive: true, force: true });
  }
  console.log('| input | bare line loop (lines/s) | ingestion (records/s) | ratio (wall) | ratio (CPU time) | peak RSS, line loop | peak RSS, ingestion | records counted |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const l of lines) console.log(l);
}

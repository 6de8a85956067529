/**
 * A worker thread of parallel.ts: reads one byte range of a plain AWS flow-log file with the compiled
 * engine (its own counters and dedupe window) and posts back its counts, its dedupe window, the range's
 * SHA-256 and where the range's head (the records the main thread re-reads, see parallel.ts) ended.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { awsAttributor, CompiledAws } from './attribute.ts';
import { AwsFileReader } from './aws-file.ts';
import { DedupeWindow } from './dedupe.ts';
import type { RangeJob, RangeResult } from './parallel.ts';
import { FlowLogRefused } from './types.ts';

const job = workerData as RangeJob;
const port = parentPort;

async function run(): Promise<RangeResult> {
  const dedupe = new DedupeWindow(job.windowMs);
  if (job.dedupe) dedupe.restore(job.dedupe);
  const ctx = { file: job.file, rules: job.rules, scope: job.scope, attributor: awsAttributor(job.rules, job.scope), compiled: new CompiledAws(job.rules, job.scope), dedupe };
  const reader = new AwsFileReader(ctx, { header: job.header, position: job.start, headSpanMs: job.headSpanMs });
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(job.file, { start: job.start, end: job.end - 1, highWaterMark: 64 * 1024 })) {
      hash.update(chunk as Buffer);
      reader.chunk(chunk as Buffer);
    }
    const model = reader.finish();
    const s = reader.scanner;
    return { model: model.snapshot(), cpuMs: threadCpuMs(), lines: s.line, headEnd: s.headEnd, headLines: s.headLines, layoutChanged: s.layoutChanged, dedupe: dedupe.state(), digest: hash.digest('hex') };
  } catch (error) {
    if (error instanceof FlowLogRefused) return { refused: { at: error.at, field: error.field, found: error.found, expected: error.expected } };
    throw error;
  }
}

/** This thread's CPU time (ms), where Node can tell it. */
function threadCpuMs(): number | undefined {
  const usage = (process as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage?.();
  return usage ? (usage.user + usage.system) / 1000 : undefined;
}

run().then(
  (result) => port?.postMessage(result),
  (error: unknown) => port?.postMessage({ error: error instanceof Error ? error.message : String(error) }),
);

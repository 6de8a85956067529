import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { NormalizedRule } from '../connectors/types.ts';
import type { AwsReadContext } from './aws-file.ts';
import { AwsFileReader } from './aws-file.ts';
import { DedupeWindow, type DedupeState } from './dedupe.ts';
import { FlowLogRefused, type TargetScope } from './types.ts';
import { UsageModel, type UsageSnapshot } from './usage.ts';

/** What a worker reads (aws-worker.ts). */
export interface RangeJob {
  file: string;
  start: number;
  end: number;
  rules: readonly NormalizedRule[];
  scope: TargetScope;
  windowMs: number;
  /** The file's header line, for ranges after the first. */
  header?: string;
  /** The dedupe window before the file (first range only). */
  dedupe?: DedupeState;
  /** Ranges after the first: the head's span of log time (see ingestAwsParallel). */
  headSpanMs?: number;
}

export type RangeResult =
  | { model: UsageSnapshot; cpuMs?: number; lines: number; headEnd: number; headLines: number; layoutChanged: boolean; dedupe: DedupeState; digest: string; refused?: undefined; error?: undefined }
  | { refused: { at: string; field: string; found: string; expected: string }; error?: undefined }
  | { error: string; refused?: undefined };

const WORKER = new URL('./aws-worker.ts', import.meta.url);

/**
 * One plain (not gzipped) AWS flow-log file read by `threads` worker threads over byte ranges cut at
 * line ends, each with the compiled engine, its own counters and dedupe window; the counts are merged
 * in file order. Behaviour is the sequential reader's:
 * - line numbers in malformed samples and refusals are the file's (each range's line count is added);
 *   a refusal found in any range refuses the file (the earliest range's is reported).
 * - a header line anywhere but at the top (a concatenation of files) makes the file be read again
 *   sequentially (ranges after it would have been read with the wrong layout): undefined is returned.
 * - dedupe across range boundaries: a range after the first does not count its head (the records up
 *   to 2 × the dedupe window of log time after its first record: the whole time a record of the range
 *   before it stays in the window); it only remembers them. The main thread then reads each head again,
 *   with the previous range's final dedupe window, and counts it. So a redelivery whose two copies lie on
 *   both sides of a boundary is caught as in one pass, as long as the file is roughly in time order (as
 *   AWS writes it); the first range starts from the window left by the files before.
 * - the file digest (for files delivered twice) is the SHA-256 of the ranges' SHA-256s: the same bytes
 *   give the same digest, as the split depends only on the size and the bytes.
 */
export async function ingestAwsParallel(path: string, size: number, threads: number, ctx: AwsReadContext, windowMs: number): Promise<{ model: UsageModel; digest: string } | undefined> {
  const handle = await open(path, 'r');
  let header: string | undefined;
  const bounds = [0];
  try {
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const nl = head.subarray(0, bytesRead).indexOf(10);
    if (bytesRead > 0 && ((head[0] as number) < 48 || (head[0] as number) > 57)) {
      if (nl < 0) return undefined;
      header = head.toString('utf8', 0, nl).replace(/\r$/, '');
    }
    for (let k = 1; k < threads; k++) {
      const from = Math.max(bounds[bounds.length - 1] as number, Math.floor((size * k) / threads));
      const { bytesRead: n } = await handle.read(head, 0, head.length, from);
      const at = head.subarray(0, n).indexOf(10);
      if (at < 0) return undefined; // a line longer than 64 KiB: not a flow log worth splitting
      if (from + at + 1 < size) bounds.push(from + at + 1);
    }
  } finally {
    await handle.close();
  }
  bounds.push(size);
  if (bounds.length < 3) return undefined;
  const jobs: RangeJob[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const job: RangeJob = { file: path, start: bounds[k] as number, end: bounds[k + 1] as number, rules: ctx.rules, scope: ctx.scope, windowMs };
    if (k === 0) job.dedupe = ctx.dedupe.state();
    else {
      job.header = header;
      job.headSpanMs = 2 * windowMs;
    }
    jobs.push(job);
  }
  // A worker that cannot run at all (its thread failed to start or crashed) leaves the file to the
  // sequential reader, which reports any real read error itself; ingestFlowLogs' `parallel` says which
  // files were read by workers.
  const results = await Promise.all(jobs.map(runWorker)).catch(() => undefined);
  if (!results) return undefined;
  let offset = 0;
  const ok: Extract<RangeResult, { model: UsageSnapshot }>[] = [];
  const offsets: number[] = [];
  for (const r of results) {
    if (r.error !== undefined) throw new Error(`${path}: ${r.error}`);
    if (r.refused) throw new FlowLogRefused(ctx.file, shiftLine(r.refused.at, offset), r.refused.field, r.refused.found, r.refused.expected);
    if (r.layoutChanged) return undefined;
    offsets.push(offset);
    offset += r.lines;
    ok.push(r);
  }
  const model = new UsageModel();
  for (let k = 0; k < ok.length; k++) {
    const r = ok[k] as (typeof ok)[number];
    if (k > 0 && r.headEnd > (jobs[k] as RangeJob).start) {
      // The head of range k, counted against the window range k-1 ended with.
      const dedupe = new DedupeWindow(windowMs);
      dedupe.restore((ok[k - 1] as (typeof ok)[number]).dedupe);
      const reader = new AwsFileReader({ ...ctx, dedupe }, { header, lineOffset: offsets[k], position: (jobs[k] as RangeJob).start });
      for await (const chunk of createReadStream(path, { start: (jobs[k] as RangeJob).start, end: r.headEnd - 1, highWaterMark: 64 * 1024 })) reader.chunk(chunk as Buffer);
      model.merge(reader.finish());
    }
    const part = UsageModel.fromSnapshot(r.model);
    if (k > 0) for (const m of part.stats.malformedSamples) m.at = shiftLine(m.at, offsets[k] as number);
    model.merge(part);
  }
  ctx.dedupe.restore((ok[ok.length - 1] as (typeof ok)[number]).dedupe);
  const digest = createHash('sha256');
  for (const r of ok) digest.update(r.digest);
  return { model, digest: `ranges:${digest.digest('hex')}` };
}

const shiftLine = (at: string, offset: number) => at.replace(/^line (\d+)$/, (_, n: string) => `line ${Number(n) + offset}`);

function runWorker(job: RangeJob): Promise<RangeResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: job });
    let done = false;
    worker.once('message', (m: RangeResult) => {
      done = true;
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', (e) => {
      if (!done) reject(e);
    });
    worker.once('exit', (code) => {
      if (!done) reject(new Error(`flow-log worker exited with code ${code}`));
    });
  });
}

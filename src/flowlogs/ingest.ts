import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import type { LogObject, NormalizedRule } from '../connectors/types.ts';
import { type Attributor, awsAttributor, CompiledAws, namedAttributor } from './attribute.ts';
import { AwsFlowLogParser } from './aws.ts';
import { AwsFileReader, sinkFor } from './aws-file.ts';
import { AzureLogParser } from './azure.ts';
import { DedupeWindow } from './dedupe.ts';
import { GcpLogParser } from './gcp.ts';
import { forEachJsonRecord } from './json-records.ts';
import { ingestAwsParallel } from './parallel.ts';
import { forEachLineBytes, openInput, openStream } from './source.ts';
import type { FlowFormat, TargetScope } from './types.ts';
import { UsageModel } from './usage.ts';

export interface IngestOptions {
  /** Which cloud's logs; inferred from the rules' placement when absent. */
  format?: FlowFormat;
  scope?: TargetScope;
  /** How far back in log time redelivered records are recognised (default 20 minutes). */
  dedupeWindowMs?: number;
  stdin?: Readable;
  /**
   * AWS only. "compiled" (the default): the byte scanner, compiled decision tables and typed counters
   * (aws-scan.ts). "reference": every record through AwsFlowLogParser.bytes, awsAttributor and
   * UsageModel.hit, the plain implementation the compiled one is tested against.
   */
  engine?: 'compiled' | 'reference';
  /**
   * AWS, compiled engine: worker threads for one plain file of at least `parallelMinBytes` (default
   * 64 MiB), each reading a byte range (parallel.ts). Default: the machine's available parallelism (at
   * most 8); 1 reads every file on this thread.
   */
  threads?: number;
  parallelMinBytes?: number;
}

export interface IngestResult {
  usage: UsageModel;
  format: FlowFormat;
  /** Rules that cannot be evaluated from addresses (security-group references, tags): never judged unused. */
  unevaluable: number[];
  /** Files read by worker threads over byte ranges (parallel.ts); every other file was read on this thread. */
  parallel: string[];
}

/** The cloud a rule list belongs to, from its placements. */
export function formatOfRules(rules: readonly NormalizedRule[]): FlowFormat | undefined {
  const p = rules[0]?.placement;
  return p === 'nacl' || p === 'sg' ? 'aws' : p === 'nsg' ? 'azure' : p === 'firewall' ? 'gcp' : undefined;
}

/**
 * Reads flow logs (files, "-" for stdin, or object-storage objects; gzip or plain) and counts, per rule of the target, the
 * traffic it carried. Streams every input: memory holds only the per-rule counters and the dedupe
 * window. A file for another account/VPC/NSG/network throws FlowLogRefused before its counts are kept.
 */
export async function ingestFlowLogs(inputs: readonly (string | LogObject)[], rules: readonly NormalizedRule[], options: IngestOptions = {}): Promise<IngestResult> {
  const format = options.format ?? formatOfRules(rules);
  if (!format) throw new Error('no rules to attribute flows to, and no --flow-format given');
  const scope = options.scope ?? {};
  const aws = format === 'aws' ? awsAttributor(rules, scope) : undefined;
  const attributor: Attributor = aws ?? namedAttributor(rules);
  const compiled = format === 'aws' && options.engine !== 'reference' ? new CompiledAws(rules, scope) : undefined;
  const dedupe = new DedupeWindow(options.dedupeWindowMs ?? 20 * 60_000);
  const total = new UsageModel();
  const digests = new Set<string>();
  const parallel: string[] = [];
  /** One file's counts, unless the same bytes were read before (a file delivered twice). */
  const keep = (model: UsageModel, digest: string, file: string) => {
    total.stats.files++;
    if (digests.has(digest)) total.stats.duplicateFiles.push(file);
    else {
      digests.add(digest);
      total.merge(model);
    }
  };
  const threads = Math.max(1, Math.min(8, options.threads ?? availableParallelism()));
  const windowMs = options.dedupeWindowMs ?? 20 * 60_000;
  for (const source of inputs) {
    const file = typeof source === 'string' ? source : source.name;
    if (compiled && threads > 1 && typeof source === 'string' && source !== '-') {
      const size = (await stat(source)).size;
      if (size >= (options.parallelMinBytes ?? 64 * 1024 * 1024) && !(await gzipped(source))) {
        const read = await ingestAwsParallel(source, size, threads, { file, rules, scope, attributor, compiled, dedupe }, windowMs);
        if (read) {
          parallel.push(file);
          keep(read.model, read.digest, file);
          continue;
        }
      }
    }
    let model = new UsageModel();
    const input = typeof source === 'string' ? await openInput(source, options.stdin) : openStream((await source.open()) as Readable);
    if (compiled) {
      const reader = new AwsFileReader({ file, rules, scope, attributor, compiled, dedupe });
      await reader.scanner.run(input.stream);
      model = reader.finish();
    } else if (format === 'aws') {
      const sink = sinkFor(model, attributor, dedupe, file);
      const parser = new AwsFlowLogParser(file, sink, scope);
      await forEachLineBytes(input.stream, (buf, start, end, n) => parser.bytes(buf, start, end, n));
    } else {
      const sink = sinkFor(model, attributor, dedupe, file);
      const parser = format === 'azure' ? new AzureLogParser(file, sink, scope) : new GcpLogParser(file, sink, scope);
      const result = await forEachJsonRecord(input.stream, format === 'azure' ? 'records' : 'topLevel', (v, i) => parser.record(v, i));
      if (result.syntaxError) model.malformed({ file, at: `after record ${result.records}`, reason: `JSON: ${result.syntaxError}; the rest of the file was skipped` });
    }
    keep(model, input.digest(), file);
  }
  return { usage: total, format, unevaluable: aws?.unevaluable ?? [], parallel };
}


/** Whether a file starts with the gzip magic bytes. */
async function gzipped(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

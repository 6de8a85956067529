import type { Readable } from 'node:stream';
import type { LogObject, NormalizedRule } from '../connectors/types.ts';
import { type Attributor, awsAttributor, namedAttributor } from './attribute.ts';
import { AwsFlowLogParser } from './aws.ts';
import { AzureLogParser } from './azure.ts';
import { DedupeWindow } from './dedupe.ts';
import { GcpLogParser } from './gcp.ts';
import { forEachJsonRecord } from './json-records.ts';
import type { FlowSink } from './sink.ts';
import { forEachLineBytes, openInput, openStream } from './source.ts';
import type { FlowFormat, FlowRecord, TargetScope } from './types.ts';
import { UsageModel } from './usage.ts';

export interface IngestOptions {
  /** Which cloud's logs; inferred from the rules' placement when absent. */
  format?: FlowFormat;
  scope?: TargetScope;
  /** How far back in log time redelivered records are recognised (default 20 minutes). */
  dedupeWindowMs?: number;
  stdin?: Readable;
}

export interface IngestResult {
  usage: UsageModel;
  format: FlowFormat;
  /** Rules that cannot be evaluated from addresses (security-group references, tags): never judged unused. */
  unevaluable: number[];
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
  const dedupe = new DedupeWindow(options.dedupeWindowMs ?? 20 * 60_000);
  const total = new UsageModel();
  const digests = new Set<string>();
  for (const source of inputs) {
    const file = typeof source === 'string' ? source : source.name;
    const model = new UsageModel();
    const sink = sinkFor(model, attributor, dedupe, file);
    const input = typeof source === 'string' ? await openInput(source, options.stdin) : openStream((await source.open()) as Readable);
    if (format === 'aws') {
      const parser = new AwsFlowLogParser(file, sink, scope);
      await forEachLineBytes(input.stream, (buf, start, end, n) => parser.bytes(buf, start, end, n));
    } else {
      const parser = format === 'azure' ? new AzureLogParser(file, sink, scope) : new GcpLogParser(file, sink, scope);
      const result = await forEachJsonRecord(input.stream, format === 'azure' ? 'records' : 'topLevel', (v, i) => parser.record(v, i));
      if (result.syntaxError) model.malformed({ file, at: `after record ${result.records}`, reason: `JSON: ${result.syntaxError}; the rest of the file was skipped` });
    }
    total.stats.files++;
    const digest = input.digest();
    if (digests.has(digest)) {
      total.stats.duplicateFiles.push(file);
      continue;
    }
    digests.add(digest);
    total.merge(model);
  }
  return { usage: total, format, unevaluable: aws?.unevaluable ?? [] };
}

function sinkFor(model: UsageModel, attributor: Attributor, dedupe: DedupeWindow, file: string): FlowSink {
  return {
    flow(r: FlowRecord) {
      if (r.dedupeHash !== undefined ? dedupe.seenHash(r.dedupeHash, r.end) : dedupe.seenBefore(r.dedupeKey, r.end)) {
        model.stats.duplicates++;
        return;
      }
      model.stats.records++;
      model.cover(r.start, r.end);
      const a = attributor.attribute(r);
      if (a.mismatch) model.stats.mismatched++;
      if (!a.rules.length) {
        if (a.unattributed) model.stats.unattributed[a.unattributed]++;
        if (a.unlisted) model.unlistedHit(a.unlisted, r.hits, r.end);
        return;
      }
      if (a.ambiguous) model.stats.ambiguous++;
      const egress = (a.direction ?? r.direction) === 'egress';
      const remote = egress ? r.dst : r.src;
      const remoteIp = egress ? r.dstIp : r.srcIp;
      for (const rule of a.rules) model.hit(rule, r, remote, a.ambiguous, a.response, remoteIp);
    },
    covered(start, end) {
      model.cover(start, end);
    },
    malformed(at, reason) {
      model.malformed({ file, at, reason });
    },
    skipped() {
      model.stats.skipped++;
    },
  };
}

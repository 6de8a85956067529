import type { NormalizedRule } from '../connectors/types.ts';
import type { Attributor, CompiledAws } from './attribute.ts';
import { AwsFlowLogParser } from './aws.ts';
import { AwsScanner, type Gate } from './aws-scan.ts';
import { RuleCounters } from './counters.ts';
import type { DedupeWindow } from './dedupe.ts';
import type { FlowSink } from './sink.ts';
import type { FlowRecord, TargetScope } from './types.ts';
import { UsageModel } from './usage.ts';

type Hit = (rule: number, r: FlowRecord, remote: string, ambiguous: boolean, response: boolean | undefined, remoteIp: number | undefined) => void;

/**
 * Where parsers' records go: dedupe, coverage, attribution, then `hit` per rule (UsageModel.hit by
 * default). While `gate.counting` is false (the head of a worker's byte range, see parallel.ts), records
 * only enter the dedupe window and nothing is counted or reported.
 */
export function sinkFor(
  model: UsageModel,
  attributor: Attributor,
  dedupe: DedupeWindow,
  file: string,
  hit: Hit = (rule, r, remote, ambiguous, response, remoteIp) => model.hit(rule, r, remote, ambiguous, response, remoteIp),
  gate: Gate = { counting: true },
): FlowSink {
  return {
    flow(r: FlowRecord) {
      if (r.dedupeHash !== undefined ? dedupe.seenHash(r.dedupeHash, r.end) : dedupe.seenBefore(r.dedupeKey, r.end)) {
        if (gate.counting) model.stats.duplicates++;
        return;
      }
      if (!gate.counting) return;
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
      for (const rule of a.rules) hit(rule, r, remote, a.ambiguous, a.response, remoteIp);
    },
    covered(start, end) {
      if (gate.counting) model.cover(start, end);
    },
    malformed(at, reason) {
      if (gate.counting) model.malformed({ file, at, reason });
    },
    skipped() {
      if (gate.counting) model.stats.skipped++;
    },
  };
}

export interface AwsReadContext {
  file: string;
  rules: readonly NormalizedRule[];
  scope: TargetScope;
  attributor: Attributor;
  compiled: CompiledAws;
  dedupe: DedupeWindow;
}

export interface AwsReadOptions {
  /** The file's header line, read before the bytes (a byte range that does not start the file). */
  header?: string;
  /** Lines before the bytes (line numbers in reports are the file's). */
  lineOffset?: number;
  /** File offset of the first byte. */
  position?: number;
  /** Log time (ms) from the first record during which records are only remembered, not counted (parallel.ts). */
  headSpanMs?: number;
}

/** An AWS log (bytes, in chunks) read with the compiled engine into a fresh UsageModel. */
export class AwsFileReader {
  readonly model = new UsageModel();
  readonly scanner: AwsScanner;
  private readonly counters: RuleCounters;

  constructor(ctx: AwsReadContext, options: AwsReadOptions = {}) {
    const counters = new RuleCounters(ctx.rules.length);
    const gate: Gate = { counting: true };
    const sink = sinkFor(
      this.model,
      ctx.attributor,
      ctx.dedupe,
      ctx.file,
      (rule, r, remote, ambiguous, response, remoteIp) => counters.hit(rule, r.start, r.end, r.hits, r.packets, r.bytes, r.protocol, r.dstPort, remoteIp ?? -1, remote, ambiguous, response ?? false),
      gate,
    );
    const parser = new AwsFlowLogParser(ctx.file, sink, ctx.scope);
    if (options.header !== undefined) {
      gate.counting = false;
      parser.line(options.header, 1);
      gate.counting = true;
    }
    this.counters = counters;
    this.scanner = new AwsScanner(parser, ctx.compiled, counters, this.model, ctx.dedupe, ctx.scope, gate);
    this.scanner.line = options.lineOffset ?? 0;
    this.scanner.position = options.position ?? 0;
    if (options.headSpanMs !== undefined) this.scanner.startHead(options.headSpanMs);
  }

  chunk(buf: Buffer) {
    this.scanner.chunk(buf);
  }

  /** Ends the input and returns the counts. */
  finish(): UsageModel {
    this.scanner.end();
    this.counters.into(this.model);
    return this.model;
  }
}

import { CompiledAws } from './attribute.ts';
import type { AwsFlowLogParser, Columns } from './aws.ts';
import type { RuleCounters } from './counters.ts';
import type { DedupeWindow } from './dedupe.ts';
import type { TargetScope } from './types.ts';
import type { UsageModel } from './usage.ts';

const EPHEMERAL = 32_768;
const MAX_FIELDS = 64;
const EMPTY = new Int32Array(0);

/** Whether records are counted (false: only remembered by the dedupe window). Shared with the fallback's sink. */
export interface Gate {
  counting: boolean;
}

/**
 * The AWS hot path: reads a stream's chunks line by line and field by field straight from the bytes
 * (one pass per line locates the fields and computes the dedupe hash; integers and IPv4 addresses are
 * parsed from the bytes), decides each record with CompiledAws's tables and counts it in RuleCounters:
 * no string, array or object per record. Any line it does not recognise as a plain IPv4 record (headers,
 * IPv6, NODATA/SKIPDATA, malformed lines, a scope mismatch, non-ASCII bytes, a port outside 0..65535) is
 * decoded and handed to `fallback` (AwsFlowLogParser.line), which counts, reports or refuses it exactly
 * as before; the dedupe window is shared, so the two paths dedupe against each other.
 */
export class AwsScanner {
  private readonly fs = new Int32Array(MAX_FIELDS);
  private readonly fe = new Int32Array(MAX_FIELDS);
  private readonly hash = new Int32Array(2);
  private carry: Buffer | undefined;
  /** Lines read so far (1-based numbers, as forEachLineBytes gives them). */
  line = 0;
  /** File offset of the next line's first byte. */
  position = 0;
  /** A header line below the file's first line changed the layout. */
  layoutChanged = false;
  /** Head mode (startHead): the log time span, the first record's end, and where the head ended (bytes, lines). */
  private headSpan = Number.NaN;
  private headFirst = Number.NaN;
  headEnd = -1;
  headLines = -1;
  private readonly gate: Gate;
  private columns: Columns;
  private readonly account: Buffer | undefined;
  private readonly vpc: Buffer | undefined;
  private readonly interfaces: Buffer[] | undefined;

  private readonly parser: AwsFlowLogParser;
  private readonly compiled: CompiledAws;
  private readonly counters: RuleCounters;
  private readonly model: UsageModel;
  private readonly dedupe: DedupeWindow;

  constructor(parser: AwsFlowLogParser, compiled: CompiledAws, counters: RuleCounters, model: UsageModel, dedupe: DedupeWindow, scope: TargetScope, gate: Gate = { counting: true }) {
    this.gate = gate;
    this.parser = parser;
    this.compiled = compiled;
    this.counters = counters;
    this.model = model;
    this.dedupe = dedupe;
    this.columns = parser.layout;
    this.account = scope.accountId !== undefined ? Buffer.from(scope.accountId) : undefined;
    this.vpc = scope.vpcId !== undefined ? Buffer.from(scope.vpcId) : undefined;
    this.interfaces = scope.interfaceIds?.map((id) => Buffer.from(id));
  }

  /**
   * Head mode: from now until a record ends more than `spanMs` of log time after the first record's end,
   * records only enter the dedupe window (nothing is counted or reported); headEnd / headLines then say
   * where the head stopped, for someone else to count it (parallel.ts).
   */
  startHead(spanMs: number) {
    this.headSpan = spanMs;
    this.gate.counting = false;
  }

  /** Reads a whole stream (to its end: call `end` yourself only when feeding `chunk`). */
  run(stream: NodeJS.ReadableStream): Promise<void> {
    return new Promise((resolve, reject) => {
      let failed = false;
      const fail = (error: unknown) => {
        failed = true;
        (stream as { destroy?: () => void }).destroy?.();
        reject(error);
      };
      stream.on('data', (chunk: Buffer) => {
        if (failed) return;
        try {
          this.chunk(chunk);
        } catch (error) {
          fail(error);
        }
      });
      stream.on('error', (e) => {
        if (!failed) fail(e);
      });
      stream.on('end', () => {
        if (failed) return;
        try {
          this.end();
          resolve();
        } catch (error) {
          fail(error);
        }
      });
    });
  }

  /** The next chunk of the input. */
  chunk(chunk: Buffer) {
    let s = 0;
    if (this.carry) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      const joined = Buffer.concat([this.carry, chunk.subarray(0, nl)]);
      this.carry = undefined;
      this.emit(joined, 0, joined.length);
      s = nl + 1;
    }
    for (let nl = chunk.indexOf(10, s); nl >= 0; nl = chunk.indexOf(10, s)) {
      this.emit(chunk, s, nl);
      s = nl + 1;
    }
    if (s < chunk.length) this.carry = chunk.subarray(s);
  }

  /** The end of the input (a last line without a newline). */
  end() {
    const carry = this.carry;
    this.carry = undefined;
    if (carry?.length) this.emit(carry, 0, carry.length);
    if (!this.gate.counting) this.endHead(this.position, this.line);
  }

  private endHead(position: number, lines: number) {
    this.gate.counting = true;
    this.headEnd = position;
    this.headLines = lines;
  }

  private emit(buf: Buffer, start: number, end: number) {
    this.line++;
    const at = this.position;
    this.position += end - start + 1;
    if (end > start && buf[end - 1] === 13) end--;
    if (end === start) return;
    if (this.record(buf, start, end, at)) return;
    this.parser.line(buf.toString('utf8', start, end), this.line);
    if (this.parser.layout !== this.columns) {
      if (at !== 0) this.layoutChanged = true; // a header anywhere but at the top of the file
      this.columns = this.parser.layout;
    }
  }

  /** One line: false (nothing done) when it is not a plain IPv4 record. */
  private record(buf: Buffer, start: number, end: number, lineAt: number): boolean {
    const first = buf[start] as number;
    if (first < 48 || first > 57) return false;
    const c = this.columns;
    const fs = this.fs;
    const fe = this.fe;
    const want = c.count;
    if (want > MAX_FIELDS) return false;
    // One pass: field boundaries and hash64Bytes of the line (ASCII only, as hash64 of its text).
    let a = 0x811c9dc5;
    let b = 0x01000193 ^ (end - start);
    let count = 0;
    let s = start;
    for (let i = start; i < end; i++) {
      const ch = buf[i] as number;
      if (ch > 0x7f) return false;
      a = Math.imul(a ^ ch, 0x01000193);
      b = Math.imul(b ^ ch, 0x5bd1e995);
      if (ch === 32) {
        if (count === want) return false;
        fs[count] = s;
        fe[count] = i;
        count++;
        s = i + 1;
      }
    }
    if (count !== want - 1) return false;
    fs[count] = s;
    fe[count] = end;
    if (this.account !== undefined && c.account >= 0 && !scopeOk(buf, fs[c.account] as number, fe[c.account] as number, this.account)) return false;
    if (this.vpc !== undefined && c.vpc >= 0 && !scopeOk(buf, fs[c.vpc] as number, fe[c.vpc] as number, this.vpc)) return false;
    if (this.interfaces !== undefined && c.iface >= 0 && !oneOf(buf, fs[c.iface] as number, fe[c.iface] as number, this.interfaces)) return false;
    const startS = intAt(buf, fs, fe, c.start);
    const endS = intAt(buf, fs, fe, c.end);
    if (startS < 0 || endS < 0) return false;
    if (c.status >= 0 && buf[fs[c.status] as number] !== 79 /* 'O'K */) return false;
    const protocol = intAt(buf, fs, fe, c.protocol);
    if (protocol < 0 || protocol > 255) return false;
    const dstPort = intAt(buf, fs, fe, c.dstPort);
    if (dstPort < 0 || dstPort > 65_535) return false;
    const srcCol = c.pktSrc >= 0 && !dash(buf, fs, fe, c.pktSrc) ? c.pktSrc : c.src;
    const dstCol = c.pktDst >= 0 && !dash(buf, fs, fe, c.pktDst) ? c.pktDst : c.dst;
    const srcIp = ipv4(buf, fs[srcCol] as number, fe[srcCol] as number);
    if (srcIp < 0) return false;
    const dstIp = ipv4(buf, fs[dstCol] as number, fe[dstCol] as number);
    if (dstIp < 0) return false;
    const srcPort = c.srcPort >= 0 ? intAt(buf, fs, fe, c.srcPort) : -1;
    // 0 ingress, 1 egress, -1 not said; 1 allow, 0 deny, -1 not said.
    const said = c.direction >= 0 ? direction(buf, fs[c.direction] as number, fe[c.direction] as number) : -1;
    const action = c.action >= 0 ? verdict(buf, fs[c.action] as number, fe[c.action] as number) : -1;
    const packets = Math.max(0, intAt(buf, fs, fe, c.packets));
    const bytes = Math.max(0, intAt(buf, fs, fe, c.bytes));
    const hash = this.hash;
    hash[0] = a | 1;
    hash[1] = b ^ (b >>> 15);
    const model = this.model;
    const stats = model.stats;
    const startMs = startS * 1000;
    const endMs = endS * 1000;
    if (!this.gate.counting) {
      if (Number.isNaN(this.headFirst)) this.headFirst = endMs;
      if (endMs > this.headFirst + this.headSpan) this.endHead(lineAt, this.line - 1);
      else {
        this.dedupe.seenHash(hash, endMs);
        return true;
      }
    }
    if (this.dedupe.seenHash(hash, endMs)) {
      stats.duplicates++;
      return true;
    }
    stats.records++;
    model.cover(startMs, endMs);
    const compiled = this.compiled;
    const dir = said >= 0 ? said : compiled.guess(srcIp, dstIp);
    if (dir < 0) {
      stats.unattributed.direction_unknown++;
      return true;
    }
    const remoteIp = dir === 0 ? srcIp : dstIp;
    const response = (protocol === 6 || protocol === 17) && dstPort >= EPHEMERAL && srcPort >= 0 && srcPort < EPHEMERAL;
    const table = compiled.table(dir, protocol, dstPort);
    const at = CompiledAws.find(table.starts, remoteIp);
    const nacl = compiled.presentNacl ? (table.nacl[at] as number) : -1;
    const naclDenied = compiled.presentNacl && (nacl < 0 || compiled.naclDeny[nacl] === 1);
    const sg = compiled.presentSg && !naclDenied && !response ? (compiled.sets[table.sg[at] as number] as Int32Array) : EMPTY;
    const evaluatedAllow = !naclDenied && (!compiled.presentSg || response || sg.length > 0);
    if (action >= 0 && (action === 1) !== evaluatedAllow) stats.mismatched++;
    if (nacl < 0 && sg.length === 0) {
      if (naclDenied) stats.unattributed.default_rule++;
      else stats.unattributed.no_matching_rule++;
      return true;
    }
    const ambiguous = sg.length > 1;
    if (ambiguous) stats.ambiguous++;
    const counters = this.counters;
    if (nacl >= 0) counters.hit(nacl, startMs, endMs, 1, packets, bytes, protocol, dstPort, remoteIp, '', ambiguous, response);
    for (let k = 0; k < sg.length; k++) counters.hit(sg[k] as number, startMs, endMs, 1, packets, bytes, protocol, dstPort, remoteIp, '', ambiguous, response);
    return true;
  }
}

/** Non-negative integer of field k (at most 15 digits), or -1 ("-", absent, garbage). */
function intAt(buf: Uint8Array, fs: Int32Array, fe: Int32Array, k: number): number {
  if (k < 0) return -1;
  const start = fs[k] as number;
  const end = fe[k] as number;
  if (end === start || end - start > 15) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = (buf[i] as number) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** A dotted-quad IPv4 address as an unsigned int, or -1 (IPv6, "-", garbage). */
function ipv4(buf: Uint8Array, start: number, end: number): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i] as number;
    if (c === 46) {
      if (digits === 0 || part > 255) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return value * 256 + part;
}

const dash = (buf: Uint8Array, fs: Int32Array, fe: Int32Array, k: number) => (fe[k] as number) - (fs[k] as number) === 1 && buf[fs[k] as number] === 45;

function equals(buf: Uint8Array, start: number, end: number, word: Uint8Array): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[start + i] !== word[i]) return false;
  return true;
}

const DASH = Buffer.from('-');
const UNKNOWN = Buffer.from('unknown');
const INGRESS = Buffer.from('ingress');
const EGRESS = Buffer.from('egress');
const ACCEPT = Buffer.from('ACCEPT');
const REJECT = Buffer.from('REJECT');

/** AwsFlowLogParser.checkScope's test: the expected value, "-" or "unknown". */
const scopeOk = (buf: Uint8Array, start: number, end: number, expected: Uint8Array) =>
  equals(buf, start, end, expected) || equals(buf, start, end, DASH) || equals(buf, start, end, UNKNOWN);

function oneOf(buf: Uint8Array, start: number, end: number, ids: readonly Uint8Array[]): boolean {
  if (equals(buf, start, end, DASH)) return true;
  for (const id of ids) if (equals(buf, start, end, id)) return true;
  return false;
}

const direction = (buf: Uint8Array, start: number, end: number) => (equals(buf, start, end, INGRESS) ? 0 : equals(buf, start, end, EGRESS) ? 1 : -1);
const verdict = (buf: Uint8Array, start: number, end: number) => (equals(buf, start, end, ACCEPT) ? 1 : equals(buf, start, end, REJECT) ? 0 : -1);

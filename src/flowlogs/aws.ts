import { hash64Bytes } from './dedupe.ts';
import type { FlowSink } from './sink.ts';
import { type FlowRecord, FlowLogRefused, type TargetScope } from './types.ts';

/** The default (version 2) format, in order (AWS VPC user guide, "Flow log records"). */
export const AWS_DEFAULT_FIELDS = [
  'version',
  'account-id',
  'interface-id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log-status',
] as const;

/** Every field name of the v2–v5 templates (plus reject-reason): a header line may only use these. */
const KNOWN_FIELDS = new Set<string>([
  ...AWS_DEFAULT_FIELDS,
  'vpc-id',
  'subnet-id',
  'instance-id',
  'tcp-flags',
  'type',
  'pkt-srcaddr',
  'pkt-dstaddr',
  'region',
  'az-id',
  'sublocation-type',
  'sublocation-id',
  'pkt-src-aws-service',
  'pkt-dst-aws-service',
  'flow-direction',
  'traffic-path',
  'ecs-cluster-arn',
  'ecs-cluster-name',
  'ecs-container-instance-arn',
  'ecs-container-instance-id',
  'ecs-container-id',
  'ecs-second-container-id',
  'ecs-service-name',
  'ecs-task-definition-arn',
  'ecs-task-arn',
  'ecs-task-id',
  'reject-reason',
  'resource-id',
  'encryption-status',
]);

/** Where each field of interest sits in a line (-1: absent), and how many fields a line has. */
export interface Columns {
  count: number;
  account: number;
  iface: number;
  vpc: number;
  src: number;
  dst: number;
  pktSrc: number;
  pktDst: number;
  srcPort: number;
  dstPort: number;
  protocol: number;
  packets: number;
  bytes: number;
  start: number;
  end: number;
  action: number;
  status: number;
  direction: number;
}

function columnsOf(fields: readonly string[]): Columns {
  const at = (name: string) => fields.indexOf(name);
  return {
    count: fields.length,
    account: at('account-id'),
    iface: at('interface-id'),
    vpc: at('vpc-id'),
    src: at('srcaddr'),
    dst: at('dstaddr'),
    pktSrc: at('pkt-srcaddr'),
    pktDst: at('pkt-dstaddr'),
    srcPort: at('srcport'),
    dstPort: at('dstport'),
    protocol: at('protocol'),
    packets: at('packets'),
    bytes: at('bytes'),
    start: at('start'),
    end: at('end'),
    action: at('action'),
    status: at('log-status'),
    direction: at('flow-direction'),
  };
}

const DEFAULT_COLUMNS = columnsOf(AWS_DEFAULT_FIELDS);
const REQUIRED = ['srcaddr', 'dstaddr', 'dstport', 'protocol', 'start', 'end'] as const;

/** Non-negative integer or -1; `-` (no value) is -1 too. Hand-rolled because it runs once per field per record. */
function int(text: string | undefined): number {
  if (text === undefined || text.length === 0 || text.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * Reads AWS VPC Flow Logs, line by line: the default v2 format, or a custom format whose header line
 * (as in files delivered to S3) names the fields in order. Any line that starts with a known field name
 * is a header (a concatenation of files may repeat it). `-` marks a field with no value.
 */
export class AwsFlowLogParser {
  private columns: Columns = DEFAULT_COLUMNS;
  private fieldNames: readonly string[] = AWS_DEFAULT_FIELDS;

  private readonly file: string;
  private readonly sink: FlowSink;
  private readonly scope: TargetScope;

  constructor(file: string, sink: FlowSink, scope: TargetScope = {}) {
    this.file = file;
    this.sink = sink;
    this.scope = scope;
  }

  /** The field layout lines are read with now (the default, or the last header's). */
  get layout(): Columns {
    return this.columns;
  }

  line(text: string, n: number): void {
    if (text.length === 0) return;
    const parts = text.split(' ');
    const first = parts[0] as string;
    if (first.charCodeAt(0) > 57 /* not a digit: header or garbage */) {
      const names = parts.map((p) => p.replaceAll('_', '-').replace(/^\$\{(.*)\}$/, '$1'));
      if (names.every((p) => KNOWN_FIELDS.has(p))) {
        const missing = REQUIRED.filter((r) => !names.includes(r));
        if (missing.length) {
          this.sink.malformed(`line ${n}`, `header names no ${missing.join(', ')} field; records cannot be attributed`);
          return;
        }
        this.fieldNames = names;
        this.columns = columnsOf(names);
        return;
      }
    }
    const c = this.columns;
    if (parts.length !== c.count) {
      this.sink.malformed(`line ${n}`, `${parts.length} fields, expected ${c.count} (${this.fieldNames.join(' ')})`);
      return;
    }
    if (c.account >= 0) this.checkScope('account-id', parts[c.account] as string, this.scope.accountId, n);
    if (c.vpc >= 0) this.checkScope('vpc-id', parts[c.vpc] as string, this.scope.vpcId, n);
    if (c.iface >= 0 && this.scope.interfaceIds) this.checkInterface(parts[c.iface] as string, n);
    const start = int(parts[c.start]) * 1000;
    const end = int(parts[c.end]) * 1000;
    if (start < 0 || end < 0) {
      this.sink.malformed(`line ${n}`, 'start/end: expected Unix seconds');
      return;
    }
    const status = c.status >= 0 ? parts[c.status] : 'OK';
    if (status === 'NODATA') {
      this.sink.covered(start, end);
      return;
    }
    if (status === 'SKIPDATA') {
      this.sink.covered(start, end);
      this.sink.skipped(`line ${n}`);
      return;
    }
    const pktSrc = c.pktSrc >= 0 ? (parts[c.pktSrc] as string) : '-';
    const pktDst = c.pktDst >= 0 ? (parts[c.pktDst] as string) : '-';
    const src = pktSrc !== '-' ? pktSrc : (parts[c.src] as string);
    const dst = pktDst !== '-' ? pktDst : (parts[c.dst] as string);
    const protocol = int(parts[c.protocol]);
    const srcPort = c.srcPort >= 0 ? int(parts[c.srcPort]) : -1;
    const dstPort = int(parts[c.dstPort]);
    if (src === '-' || dst === '-' || protocol < 0 || protocol > 255) {
      this.sink.malformed(`line ${n}`, 'srcaddr/dstaddr/protocol: expected addresses and an IANA protocol number');
      return;
    }
    const action = c.action >= 0 ? parts[c.action] : undefined;
    const dir = c.direction >= 0 ? parts[c.direction] : undefined;
    this.sink.flow({
      start,
      end,
      src,
      dst,
      srcPort,
      dstPort,
      protocol,
      direction: dir === 'ingress' ? 'ingress' : dir === 'egress' ? 'egress' : undefined,
      action: action === 'ACCEPT' ? 'allow' : action === 'REJECT' ? 'deny' : undefined,
      packets: Math.max(0, int(c.packets >= 0 ? parts[c.packets] : undefined)),
      bytes: Math.max(0, int(c.bytes >= 0 ? parts[c.bytes] : undefined)),
      hits: 1,
      dedupeKey: text,
    });
  }

  /** Field boundaries of the line being read by `bytes` (start, end pairs), reused across lines. */
  private readonly bounds = new Int32Array(2 * 64);
  /** The line's dedupe hash (hash64Bytes), handed to the sink with the record. */
  private readonly hash = new Int32Array(2);
  /** The one record the byte path fills and hands to the sink (sinks never keep records). */
  private readonly record: FlowRecord = { start: 0, end: 0, src: '', dst: '', srcPort: -1, dstPort: -1, protocol: -1, packets: 0, bytes: 0, hits: 1, dedupeKey: '' };

  /**
   * `line` for raw bytes [start, end): the common record (IPv4, ASCII, status OK, the field count the
   * header says) is read straight from the bytes, with no string or object made per line; anything
   * else (headers, IPv6, NODATA/SKIPDATA, malformed lines, scope checks) is decoded and read by `line`,
   * so both paths count and refuse exactly alike.
   */
  bytes(buf: Buffer, start: number, end: number, n: number): void {
    if (end !== start && !this.readFast(buf, start, end)) this.line(buf.toString('utf8', start, end), n);
  }

  /** The byte path: false (nothing done) when the line needs `line`. */
  private readFast(buf: Buffer, start: number, end: number): boolean {
    const c = this.columns;
    const first = buf[start] as number;
    const scoped = this.scope.accountId !== undefined || this.scope.vpcId !== undefined || this.scope.interfaceIds !== undefined;
    if (first < 48 || first > 57 || scoped || c.count > 64) return false;
    const b = this.bounds;
    let count = 0;
    let s = start;
    for (let i = start; i <= end; i++) {
      if (i === end || buf[i] === 32) {
        if (count === c.count) return false;
        b[2 * count] = s;
        b[2 * count + 1] = i;
        count++;
        s = i + 1;
      }
    }
    if (count !== c.count) return false;
    const intAt = (k: number) => (k < 0 ? -1 : intBytes(buf, b[2 * k] as number, b[2 * k + 1] as number));
    const startS = intAt(c.start);
    const endS = intAt(c.end);
    const status = c.status >= 0 ? (buf[b[2 * c.status] as number] as number) : 79; /* 'O' */
    const protocol = intAt(c.protocol);
    const srcCol = c.pktSrc >= 0 && !isDash(buf, b, c.pktSrc) ? c.pktSrc : c.src;
    const dstCol = c.pktDst >= 0 && !isDash(buf, b, c.pktDst) ? c.pktDst : c.dst;
    const srcIp = ipv4Bytes(buf, b[2 * srcCol] as number, b[2 * srcCol + 1] as number);
    const dstIp = ipv4Bytes(buf, b[2 * dstCol] as number, b[2 * dstCol + 1] as number);
    const ascii = hash64Bytes(buf, start, end, this.hash);
    if (startS < 0 || endS < 0 || status !== 79 || protocol < 0 || protocol > 255 || srcIp < 0 || dstIp < 0 || !ascii) {
      return false;
    }
    const r = this.record;
    r.start = startS * 1000;
    r.end = endS * 1000;
    r.srcIp = srcIp;
    r.dstIp = dstIp;
    r.protocol = protocol;
    r.srcPort = c.srcPort >= 0 ? intAt(c.srcPort) : -1;
    r.dstPort = intAt(c.dstPort);
    r.direction = c.direction >= 0 ? word(buf, b, c.direction, INGRESS, 'ingress', EGRESS, 'egress') : undefined;
    r.action = c.action >= 0 ? word(buf, b, c.action, ACCEPT, 'allow', REJECT, 'deny') : undefined;
    r.packets = Math.max(0, intAt(c.packets));
    r.bytes = Math.max(0, intAt(c.bytes));
    r.dedupeHash = this.hash;
    this.sink.flow(r);
    return true;
  }

  private checkScope(field: string, value: string, expected: string | undefined, n: number) {
    if (expected !== undefined && value !== '-' && value !== 'unknown' && value !== expected) {
      throw new FlowLogRefused(this.file, `line ${n}`, field, value, expected);
    }
  }

  private checkInterface(value: string, n: number) {
    const ids = this.scope.interfaceIds as string[];
    if (value !== '-' && !ids.includes(value)) throw new FlowLogRefused(this.file, `line ${n}`, 'interface-id', value, `interfaces ${ids.join(', ')}`);
  }
}

const INGRESS = Buffer.from('ingress');
const EGRESS = Buffer.from('egress');
const ACCEPT = Buffer.from('ACCEPT');
const REJECT = Buffer.from('REJECT');

function intBytes(buf: Uint8Array, start: number, end: number): number {
  if (end === start || end - start > 15) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = (buf[i] as number) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** A dotted-quad IPv4 address in bytes as an unsigned int, or -1 (IPv6, "-", garbage). */
function ipv4Bytes(buf: Uint8Array, start: number, end: number): number {
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

const isDash = (buf: Buffer, b: Int32Array, k: number) => (b[2 * k + 1] as number) - (b[2 * k] as number) === 1 && buf[b[2 * k] as number] === 45;

function word<A, B>(buf: Buffer, b: Int32Array, k: number, x: Buffer, xv: A, y: Buffer, yv: B): A | B | undefined {
  const s = b[2 * k] as number;
  const length = (b[2 * k + 1] as number) - s;
  if (length === x.length && same(buf, s, x)) return xv;
  if (length === y.length && same(buf, s, y)) return yv;
  return undefined;
}

function same(buf: Buffer, at: number, word: Buffer): boolean {
  for (let i = 0; i < word.length; i++) if (buf[at + i] !== word[i]) return false;
  return true;
}

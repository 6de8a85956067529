import type { FlowSink } from './sink.ts';
import { FlowLogRefused, type TargetScope } from './types.ts';

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

interface Columns {
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

import type { FlowSink } from './sink.ts';
import { FlowLogRefused, type TargetScope } from './types.ts';

/**
 * GCP VPC Firewall Rules Logging entries (Cloud Logging `LogEntry`s, as exported to GCS or by
 * `gcloud logging read --format=json`): `jsonPayload.connection` {src_ip, src_port, dest_ip, dest_port,
 * protocol}, `jsonPayload.disposition` (ALLOWED/DENIED), `jsonPayload.rule_details.reference`
 * (`network:{network}/firewall:{name}`), `.direction`, `.action`, `jsonPayload.vpc.project_id`.
 * The entry names its rule, so no evaluation is needed; `insertId` identifies redeliveries.
 */
export class GcpLogParser {
  private readonly file: string;
  private readonly sink: FlowSink;
  private readonly scope: TargetScope;

  constructor(file: string, sink: FlowSink, scope: TargetScope = {}) {
    this.file = file;
    this.sink = sink;
    this.scope = scope;
  }

  record(value: unknown, ordinal: number) {
    const at = `record ${ordinal}`;
    if (!isObject(value) || !isObject(value.jsonPayload)) return this.sink.malformed(at, 'expected a LogEntry with a jsonPayload');
    const p = value.jsonPayload;
    const c = p.connection;
    const details = p.rule_details;
    const time = typeof value.timestamp === 'string' ? Date.parse(value.timestamp) : Number.NaN;
    if (!isObject(c) || !isObject(details) || typeof details.reference !== 'string' || Number.isNaN(time)) {
      return this.sink.malformed(at, 'expected timestamp, jsonPayload.connection and jsonPayload.rule_details.reference (a firewall log entry)');
    }
    const ref = /^network:([^/]+)\/firewall:(.+)$/.exec(details.reference);
    if (!ref) return this.sink.malformed(at, `rule_details.reference "${details.reference}": expected network:{network}/firewall:{name}`);
    const [, network, rule] = ref as unknown as [string, string, string];
    if (this.scope.network && network !== this.scope.network) throw new FlowLogRefused(this.file, at, 'network', network, this.scope.network);
    const vpc = isObject(p.vpc) ? p.vpc : {};
    const project =
      (typeof vpc.project_id === 'string' ? vpc.project_id : undefined) ??
      (typeof value.logName === 'string' ? /^projects\/([^/]+)\//.exec(value.logName)?.[1] : undefined);
    if (this.scope.project && project && project !== this.scope.project) throw new FlowLogRefused(this.file, at, 'project', project, this.scope.project);
    const protocol = Number(c.protocol);
    if (typeof c.src_ip !== 'string' || typeof c.dest_ip !== 'string' || !Number.isInteger(protocol)) {
      return this.sink.malformed(at, 'jsonPayload.connection: expected src_ip, dest_ip and a protocol number');
    }
    this.sink.covered(time, time);
    this.sink.flow({
      start: time,
      end: time,
      src: c.src_ip,
      dst: c.dest_ip,
      srcPort: Number(c.src_port ?? -1),
      dstPort: Number(c.dest_port ?? -1),
      protocol,
      direction: details.direction === 'INGRESS' ? 'ingress' : details.direction === 'EGRESS' ? 'egress' : undefined,
      action: p.disposition === 'DENIED' ? 'deny' : 'allow',
      packets: 0,
      bytes: 0,
      hits: 1,
      rule,
      dedupeKey: typeof value.insertId === 'string' ? value.insertId : JSON.stringify([value.timestamp, c, rule]),
    });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

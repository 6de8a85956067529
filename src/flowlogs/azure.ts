import type { FlowSink } from './sink.ts';
import { type FlowRecord, FlowLogRefused, type TargetScope } from './types.ts';

/**
 * Azure Network Watcher logs, one record at a time (see fixtures README for the documentation used):
 * - VNet flow logs (`category: FlowLogFlowEvent`): `flowRecords.flows[].aclID`,
 *   `.flowGroups[].rule`, `.flowTuples[]` = `ts(ms),src,dst,sport,dport,protocol(IANA),I|O,B|C|E|D,
 *   encryption,pktsS2D,bytesS2D,pktsD2S,bytesD2S`;
 * - NSG flow logs v1/v2 (`category: NetworkSecurityGroupFlowEvent`, retiring 2027):
 *   `properties.flows[].rule`, `.flows[].mac`, `.flowTuples[]` = `ts(s),src,dst,sport,dport,T|U,I|O,A|D`
 *   and in v2 `,B|C|E,pktsS2D,bytesS2D,pktsD2S,bytesD2S`;
 * - the NSG resource log `NetworkSecurityGroupRuleCounter`: `properties.ruleName`, `direction` (In/Out),
 *   `type` (allow/block), `matchedConnections` per 300 s.
 * A flow counts one hit when it begins (B) or is denied (D); continuing and end tuples add bytes and
 * last-seen time only, so one connection is not counted three times.
 */
export class AzureLogParser {
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
    if (!isObject(value)) return this.sink.malformed(at, 'expected a JSON object');
    const category = value.category ?? value.operationName;
    if (category === 'FlowLogFlowEvent' || isObject(value.flowRecords)) return this.vnet(value, at);
    if (category === 'NetworkSecurityGroupFlowEvent' || category === 'NetworkSecurityGroupFlowEvents') return this.nsg(value, at);
    if (category === 'NetworkSecurityGroupRuleCounter' || category === 'NetworkSecurityGroupCounters') return this.counter(value, at);
    this.sink.malformed(at, `category ${JSON.stringify(category)}: expected FlowLogFlowEvent, NetworkSecurityGroupFlowEvent or NetworkSecurityGroupRuleCounter`);
  }

  private vnet(r: Record<string, unknown>, at: string) {
    this.checkResource(String(r.targetResourceID ?? ''), at, false);
    const flows = (r.flowRecords as { flows?: unknown })?.flows;
    if (!Array.isArray(flows)) return this.sink.malformed(at, 'flowRecords.flows: expected an array');
    const mac = String(r.macAddress ?? '');
    for (const flow of flows) {
      if (!isObject(flow) || !Array.isArray(flow.flowGroups)) {
        this.sink.malformed(at, 'flowRecords.flows[]: expected { aclID, flowGroups: [...] }');
        continue;
      }
      const acl = String(flow.aclID ?? '');
      if (this.scope.nsgResourceGuid && acl && acl.toLowerCase() !== this.scope.nsgResourceGuid.toLowerCase()) {
        throw new FlowLogRefused(this.file, at, 'aclID (NSG resource GUID)', acl, this.scope.nsgResourceGuid);
      }
      for (const group of flow.flowGroups) {
        if (!isObject(group) || !Array.isArray(group.flowTuples)) {
          this.sink.malformed(at, 'flowGroups[]: expected { rule, flowTuples: [...] }');
          continue;
        }
        const rule = ruleName(String(group.rule ?? ''));
        for (const tuple of group.flowTuples) this.vnetTuple(String(tuple), rule, mac, at);
      }
    }
    if (typeof r.time === 'string') {
      const t = Date.parse(r.time);
      if (!Number.isNaN(t)) this.sink.covered(t, t);
    }
  }

  private vnetTuple(tuple: string, rule: string, mac: string, at: string) {
    const f = tuple.split(',');
    if (f.length < 13) return this.sink.malformed(at, `flowTuple "${tuple.slice(0, 80)}": ${f.length} fields, expected 13`);
    const ts = toMs(Number(f[0]));
    const protocol = Number(f[5]);
    const state = f[7];
    if (Number.isNaN(ts) || !Number.isInteger(protocol) || !['B', 'C', 'E', 'D'].includes(state as string)) {
      return this.sink.malformed(at, `flowTuple "${tuple.slice(0, 80)}": expected ts,src,dst,sport,dport,protocol,I|O,B|C|E|D,...`);
    }
    this.emit(f, ts, protocol, f[6], state === 'D' ? 'deny' : 'allow', state === 'B' || state === 'D', rule, `${mac}|${rule}|${tuple}`);
  }

  private nsg(r: Record<string, unknown>, at: string) {
    this.checkResource(String(r.resourceId ?? ''), at, true);
    const props = r.properties;
    if (!isObject(props) || !Array.isArray(props.flows)) return this.sink.malformed(at, 'properties.flows: expected an array');
    for (const byRule of props.flows) {
      if (!isObject(byRule) || !Array.isArray(byRule.flows)) {
        this.sink.malformed(at, 'properties.flows[]: expected { rule, flows: [...] }');
        continue;
      }
      const rule = ruleName(String(byRule.rule ?? ''));
      for (const perMac of byRule.flows) {
        if (!isObject(perMac) || !Array.isArray(perMac.flowTuples)) {
          this.sink.malformed(at, 'properties.flows[].flows[]: expected { mac, flowTuples: [...] }');
          continue;
        }
        for (const tuple of perMac.flowTuples) this.nsgTuple(String(tuple), rule, String(perMac.mac ?? ''), at);
      }
    }
    if (typeof r.time === 'string') {
      const t = Date.parse(r.time);
      if (!Number.isNaN(t)) this.sink.covered(t, t);
    }
  }

  private nsgTuple(tuple: string, rule: string, mac: string, at: string) {
    const f = tuple.split(',');
    if (f.length !== 8 && f.length !== 13) return this.sink.malformed(at, `flowTuple "${tuple.slice(0, 80)}": ${f.length} fields, expected 8 (v1) or 13 (v2)`);
    const ts = toMs(Number(f[0]));
    const protocol = f[5] === 'T' ? 6 : f[5] === 'U' ? 17 : Number.NaN;
    const decision = f[7];
    if (Number.isNaN(ts) || Number.isNaN(protocol) || (decision !== 'A' && decision !== 'D')) {
      return this.sink.malformed(at, `flowTuple "${tuple.slice(0, 80)}": expected ts,src,dst,sport,dport,T|U,I|O,A|D,...`);
    }
    const state = f[8];
    // v2 tuples: stats at positions 9..12 (same as VNet's, shifted by the decision field).
    const stats = f.length === 13 ? f : undefined;
    const begins = state === undefined || state === 'B' || decision === 'D';
    this.emit(stats ? [...f.slice(0, 8), '', ...f.slice(9)] : f, ts, protocol, f[6], decision === 'D' ? 'deny' : 'allow', begins, rule, `${mac}|${rule}|${tuple}`);
  }

  private emit(f: string[], ts: number, protocol: number, dir: string | undefined, action: 'allow' | 'deny', begins: boolean, rule: string, dedupeKey: string) {
    const record: FlowRecord = {
      start: ts,
      end: ts,
      src: f[1] as string,
      dst: f[2] as string,
      srcPort: Number(f[3]) || 0,
      dstPort: Number(f[4]) || 0,
      protocol,
      direction: dir === 'I' ? 'ingress' : dir === 'O' ? 'egress' : undefined,
      action,
      packets: (Number(f[9]) || 0) + (Number(f[11]) || 0),
      bytes: (Number(f[10]) || 0) + (Number(f[12]) || 0),
      hits: begins ? 1 : 0,
      rule,
      dedupeKey,
    };
    this.sink.flow(record);
  }

  private counter(r: Record<string, unknown>, at: string) {
    this.checkResource(String(r.resourceId ?? ''), at, true);
    const p = r.properties;
    const t = typeof r.time === 'string' ? Date.parse(r.time) : Number.NaN;
    if (!isObject(p) || typeof p.ruleName !== 'string' || typeof p.matchedConnections !== 'number' || Number.isNaN(t)) {
      return this.sink.malformed(at, 'NetworkSecurityGroupRuleCounter: expected time, properties.ruleName and properties.matchedConnections');
    }
    const rule = ruleName(p.ruleName);
    this.sink.covered(t, t);
    if (p.matchedConnections <= 0) return;
    this.sink.flow({
      start: t,
      end: t,
      src: '',
      dst: '',
      srcPort: -1,
      dstPort: -1,
      protocol: -1,
      direction: p.direction === 'In' ? 'ingress' : p.direction === 'Out' ? 'egress' : undefined,
      action: p.type === 'block' ? 'deny' : 'allow',
      packets: 0,
      bytes: 0,
      hits: p.matchedConnections,
      rule,
      dedupeKey: `${r.resourceId}|${r.time}|${p.ruleName}|${p.direction}|${p.macAddress ?? ''}|${p.primaryIPv4Address ?? ''}`,
    });
  }

  /** `/SUBSCRIPTIONS/{sub}/RESOURCEGROUPS/{rg}/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/{nsg}` (any case). */
  private checkResource(id: string, at: string, isNsg: boolean) {
    const sub = /\/subscriptions\/([^/]+)/i.exec(id)?.[1];
    if (this.scope.subscriptionId && sub && sub.toLowerCase() !== this.scope.subscriptionId.toLowerCase()) {
      throw new FlowLogRefused(this.file, at, 'subscription', sub, this.scope.subscriptionId);
    }
    const nsg = isNsg ? /\/networksecuritygroups\/([^/]+)/i.exec(id)?.[1] : undefined;
    if (this.scope.nsgName && nsg && nsg.toLowerCase() !== this.scope.nsgName.toLowerCase()) {
      throw new FlowLogRefused(this.file, at, 'NSG', nsg, this.scope.nsgName);
    }
  }
}

/** Logs prefix user rules with `UserRule_`; default rules keep their `DefaultRule_` name. */
const ruleName = (name: string) => (name.startsWith('UserRule_') ? name.slice('UserRule_'.length) : name);
/** NSG flow logs v2 use Unix seconds, VNet flow logs milliseconds. */
const toMs = (ts: number) => (ts > 1e11 ? ts : ts * 1000);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

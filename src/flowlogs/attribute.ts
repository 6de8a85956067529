import type { NormalizedRule } from '../connectors/types.ts';
import { parseCidr } from '../net/cidr.ts';
import { tryParseIp } from '../net/ip.ts';
import type { FlowRecord, TargetScope } from './types.ts';

/** Which rules one record counts for, and why when none. */
export interface Attribution {
  rules: number[];
  /** More than one rule counted the record (security groups: every matching allow rule). */
  ambiguous: boolean;
  /** When `rules` is empty: why. */
  unattributed?: 'direction_unknown' | 'no_matching_rule' | 'default_rule' | 'unlisted_rule';
  /** The cloud's own rule name when it is not among the listed rules (Azure default rules...). */
  unlisted?: string;
  /** The evaluation disagrees with what the log says the cloud did (rules changed during the window?). */
  mismatch?: boolean;
  /** The direction used (the record's, or the one inferred from the target's ranges). */
  direction?: 'ingress' | 'egress';
  /** Probably the return leg of a connection (the far side on an ephemeral port, ours on a service port). */
  response?: boolean;
}

export interface Attributor {
  attribute(record: FlowRecord): Attribution;
}

/** Linux starts its ephemeral range at 32768, Windows at 49152; service ports sit below. */
const EPHEMERAL = 32_768;

const PROTO: Record<NormalizedRule['protocol'], number> = { tcp: 6, udp: 17, icmp: 1, all: -1 };

interface Entry {
  index: number;
  protocol: number;
  ports: NormalizedRule['ports'];
  priority: number;
  action: NormalizedRule['action'];
}

/** IPv4 dotted quad to an unsigned int, or -1. Hand-rolled: it runs for every record. */
export function ipv4ToInt(text: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
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

const entryMatches = (e: Entry, protocol: number, port: number) => {
  if (e.protocol !== -1 && e.protocol !== protocol && !(e.protocol === 1 && protocol === 58)) return false;
  if (e.ports.length === 0 || (protocol !== 6 && protocol !== 17)) return true;
  for (const p of e.ports) if (port >= p.from && port <= p.to) return true;
  return false;
};

/**
 * Rules of one placement and direction indexed by prefix: IPv4 prefixes in a map per prefix length
 * (a lookup is at most 33 map probes, whatever the rule count); IPv6 in a short list.
 */
class PrefixIndex {
  /** Per prefix length: the map from the address's top `length` bits to the rules of that prefix. */
  private levels: { shift: number; byTop: Map<number, Entry[]> }[] = [];
  /** Per /16: whether any prefix of /16 or longer lies inside it. Most addresses fall in none: one probe skips those levels. */
  private readonly coarse = new Uint8Array(65_536);
  private readonly v6: { value: bigint; mask: bigint; entry: Entry }[] = [];

  add(entry: Entry, cidr: string) {
    const c = parseCidr(cidr, { hostBits: 'mask' });
    if (c.family === 'ipv6') {
      const mask = c.prefix === 0 ? 0n : ((1n << BigInt(c.prefix)) - 1n) << BigInt(128 - c.prefix);
      this.v6.push({ value: c.network, mask, entry });
      return;
    }
    const shift = 32 - c.prefix;
    const top = topBits(Number(c.network), shift);
    if (shift <= 16) this.coarse[Number(c.network) >>> 16] = 1;
    let level = this.levels.find((l) => l.shift === shift);
    if (!level) {
      level = { shift, byTop: new Map() };
      this.levels.push(level);
      this.levels.sort((a, b) => b.shift - a.shift);
    }
    const list = level.byTop.get(top);
    if (list) list.push(entry);
    else level.byTop.set(top, [entry]);
  }

  /** Every entry whose prefix holds the address and whose protocol and ports match. `ip` is ipv4ToInt's (-1: not IPv4). */
  lookup(address: string, ip: number, protocol: number, port: number, out: Entry[]) {
    if (ip >= 0) {
      const fine = this.coarse[ip >>> 16] === 1;
      for (const level of this.levels) {
        if (level.shift <= 16 && !fine) continue;
        const list = level.byTop.get(topBits(ip, level.shift));
        if (list) for (const e of list) if (entryMatches(e, protocol, port)) out.push(e);
      }
      return;
    }
    if (!this.v6.length) return;
    const parsed = tryParseIp(address);
    if (!parsed.ok || parsed.address.family !== 'ipv6') return;
    const v = parsed.address.value;
    for (const x of this.v6) if ((v & x.mask) === x.value && entryMatches(x.entry, protocol, port)) out.push(x.entry);
  }

  /** Whether any prefix holds the address (protocol and ports ignored). */
  holds(address: string, ip: number): boolean {
    if (ip >= 0) {
      const fine = this.coarse[ip >>> 16] === 1;
      return this.levels.some((level) => (level.shift > 16 || fine) && level.byTop.has(topBits(ip, level.shift)));
    }
    const scratch: Entry[] = [];
    this.lookup(address, ip, -1, -1, scratch);
    return scratch.length > 0;
  }
}

/** The top (32 - shift) bits of an unsigned 32-bit address, as a small integer key. */
const topBits = (ip: number, shift: number) => (shift === 32 ? 0 : ip >>> shift);

/** Ingress or egress for a record that does not say: from the target's own ranges, else private vs public. */
function directionGuesser(scope: TargetScope): (r: FlowRecord, src: number, dst: number) => 'ingress' | 'egress' | undefined {
  const local = new PrefixIndex();
  const marker: Entry = { index: 0, protocol: -1, ports: [], priority: 0, action: 'allow' };
  const ranges = scope.localCidrs?.length ? scope.localCidrs : ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'];
  for (const c of ranges) local.add(marker, c);
  return (r, srcIp, dstIp) => {
    const src = local.holds(r.src, srcIp);
    const dst = local.holds(r.dst, dstIp);
    if (dst && !src) return 'ingress';
    if (src && !dst) return 'egress';
    return undefined;
  };
}

interface AwsIndexes {
  index: Record<'nacl' | 'sg', Record<'ingress' | 'egress', PrefixIndex>>;
  present: { nacl: boolean; sg: boolean };
  unevaluable: number[];
  /** Every evaluable rule's entry, its placement and direction, and its IPv4 prefixes as [first, end) address ranges. */
  entries: { entry: Entry; placement: 'nacl' | 'sg'; direction: 'ingress' | 'egress'; ranges: [number, number][] }[];
}

function awsIndexes(rules: readonly NormalizedRule[]): AwsIndexes {
  const index: AwsIndexes['index'] = {
    nacl: { ingress: new PrefixIndex(), egress: new PrefixIndex() },
    sg: { ingress: new PrefixIndex(), egress: new PrefixIndex() },
  };
  const present = { nacl: false, sg: false };
  const unevaluable: number[] = [];
  const entries: AwsIndexes['entries'] = [];
  rules.forEach((rule, i) => {
    if (rule.placement !== 'nacl' && rule.placement !== 'sg') return;
    present[rule.placement] = true;
    if (rule.sourceGroup || rule.cidrs.length === 0) {
      unevaluable.push(i);
      return;
    }
    const entry: Entry = { index: i, protocol: PROTO[rule.protocol], ports: rule.ports, priority: rule.priority, action: rule.action };
    const ranges: [number, number][] = [];
    for (const cidr of rule.cidrs) {
      index[rule.placement][rule.direction].add(entry, cidr);
      const c = parseCidr(cidr, { hostBits: 'mask' });
      if (c.family === 'ipv4') ranges.push([Number(c.network), Number(c.network) + 2 ** (32 - c.prefix)]);
    }
    entries.push({ entry, placement: rule.placement, direction: rule.direction, ranges });
  });
  return { index, present, unevaluable, entries };
}

/**
 * AWS: flow logs name no rule, so each record is evaluated against the target's rules.
 * Network ACL entries: the first match in rule-number order, per direction (deterministic, as AWS
 * evaluates them). Security groups: rules are unordered and every matching allow rule permits the flow,
 * so the record counts once for **each** and is flagged ambiguous. It is never attributed to a single
 * "least permissive" rule (that method is patented, US 12,438,880, and would hide the other rules' use).
 */
export function awsAttributor(rules: readonly NormalizedRule[], scope: TargetScope = {}): Attributor & { unevaluable: number[] } {
  const { index, present, unevaluable } = awsIndexes(rules);
  const guess = directionGuesser(scope);
  const scratch: Entry[] = [];
  return {
    unevaluable,
    attribute(r) {
      const srcIp = r.srcIp ?? ipv4ToInt(r.src);
      const dstIp = r.dstIp ?? ipv4ToInt(r.dst);
      const direction = r.direction ?? guess(r, srcIp, dstIp);
      if (!direction) return { rules: [], ambiguous: false, unattributed: 'direction_unknown' };
      const remote = direction === 'ingress' ? r.src : r.dst;
      const remoteIp = direction === 'ingress' ? srcIp : dstIp;
      // Return legs: security groups are stateful (connection tracking lets them through without a rule),
      // network ACLs are not (their entries do carry them, typically on the ephemeral range).
      const response = (r.protocol === 6 || r.protocol === 17) && r.dstPort >= EPHEMERAL && r.srcPort >= 0 && r.srcPort < EPHEMERAL;
      const out: number[] = [];
      let naclDenied = false;
      if (present.nacl) {
        scratch.length = 0;
        index.nacl[direction].lookup(remote, remoteIp, r.protocol, r.dstPort, scratch);
        let first: Entry | undefined;
        for (const e of scratch) if (!first || e.priority < first.priority) first = e;
        if (first) {
          out.push(first.index);
          naclDenied = first.action === 'deny';
        } else naclDenied = true; // the default "*" entry denies
      }
      let sgMatches = 0;
      if (present.sg && !naclDenied && !response) {
        scratch.length = 0;
        index.sg[direction].lookup(remote, remoteIp, r.protocol, r.dstPort, scratch);
        for (const e of scratch) {
          if (e.action === 'allow' && !out.includes(e.index)) {
            out.push(e.index);
            sgMatches++;
          }
        }
      }
      const evaluatedAllow = !naclDenied && (!present.sg || response || sgMatches > 0);
      const mismatch = r.action !== undefined && (r.action === 'allow') !== evaluatedAllow;
      if (!out.length) return { rules: out, ambiguous: false, unattributed: naclDenied && present.nacl ? 'default_rule' : 'no_matching_rule', mismatch, direction, response };
      return { rules: out, ambiguous: sgMatches > 1, mismatch, direction, response };
    },
  };
}

/**
 * Azure and GCP logs name the rule: the record counts for the listed rule of that name (cloudId; GCP
 * rules with several allow entries are listed as `name#k` and matched by protocol and port).
 */
export function namedAttributor(rules: readonly NormalizedRule[]): Attributor {
  const byName = new Map<string, number[]>();
  rules.forEach((rule, i) => {
    if (!rule.cloudId) return;
    const base = rule.cloudId.replace(/#\d+$/, '');
    const list = byName.get(base) ?? byName.set(base, []).get(base);
    list?.push(i);
  });
  return {
    attribute(r) {
      const name = r.rule ?? '';
      const candidates = byName.get(name);
      if (!candidates) {
        return { rules: [], ambiguous: false, unattributed: name.startsWith('DefaultRule_') ? 'default_rule' : 'unlisted_rule', unlisted: name };
      }
      if (candidates.length === 1 || r.protocol < 0) return { rules: candidates, ambiguous: false };
      const matching = candidates.filter((i) => {
        const rule = rules[i] as NormalizedRule;
        return entryMatches({ index: i, protocol: PROTO[rule.protocol], ports: rule.ports, priority: 0, action: rule.action }, r.protocol, r.dstPort);
      });
      return { rules: matching.length ? matching : candidates, ambiguous: matching.length !== 1 };
    },
  };
}

/**
 * One decision table: for the flows of one direction, protocol and destination-port class, the IPv4
 * space cut into ranges (sorted starts) with, per range, the NACL entry that matches first (-1: none)
 * and the set of security-group allow rules that match (an id into CompiledAws.sets).
 */
export interface DecisionTable {
  starts: Float64Array;
  nacl: Int32Array;
  sg: Int32Array;
}

/**
 * awsAttributor compiled for IPv4 flows: the decision a record gets depends only on its direction,
 * protocol, destination-port class (ports every rule treats alike) and which range of the address space
 * its remote side falls in, so each decision is computed once, by the same PrefixIndex evaluation
 * awsAttributor runs per record, for one representative flow per range. A record is then a port-class
 * lookup and a binary search over at most ~2 × (number of prefixes) range starts. Tables are built on
 * first use per (direction, protocol, port class). test/flowlogs/compiled.test.ts compares it with
 * awsAttributor record by record.
 */
export class CompiledAws {
  readonly presentNacl: boolean;
  readonly presentSg: boolean;
  /** Per rule index: 1 when it is a NACL deny entry. */
  readonly naclDeny: Uint8Array;
  /** Interned security-group rule sets (rule indices, each set in awsAttributor's order). */
  readonly sets: Int32Array[] = [new Int32Array(0)];
  /** Per direction (0 ingress, 1 egress): destination port (0..65535) -> port class. */
  readonly portClass: Int32Array[];
  /** Per direction: the first port of each class. */
  private readonly classPort: number[][];
  /** Per direction: the range starts every table of that direction cuts at. */
  private readonly cuts: Float64Array[];
  /** Per direction: tcp tables by port class, udp tables by port class. */
  readonly tcp: (DecisionTable | undefined)[][];
  readonly udp: (DecisionTable | undefined)[][];
  private readonly other: Map<number, DecisionTable>[] = [new Map(), new Map()];
  /** The target's own IPv4 ranges ([first, end)), to tell ingress from egress when the log does not. */
  private readonly local: Float64Array;
  private readonly setIds = new Map<string, number>([['', 0]]);
  private readonly idx: AwsIndexes;

  constructor(rules: readonly NormalizedRule[], scope: TargetScope = {}) {
    this.idx = awsIndexes(rules);
    this.presentNacl = this.idx.present.nacl;
    this.presentSg = this.idx.present.sg;
    this.naclDeny = new Uint8Array(rules.length);
    for (const { entry, placement } of this.idx.entries) if (placement === 'nacl' && entry.action === 'deny') this.naclDeny[entry.index] = 1;
    this.portClass = [];
    this.classPort = [];
    this.cuts = [];
    this.tcp = [];
    this.udp = [];
    for (const dir of ['ingress', 'egress'] as const) {
      const mine = this.idx.entries.filter((e) => e.direction === dir);
      const portCuts = new Set<number>([0]);
      for (const { entry } of mine) for (const p of entry.ports) portCuts.add(Math.max(0, p.from)).add(Math.min(65_536, p.to + 1));
      const classes = new Int32Array(65_536);
      const firsts: number[] = [];
      const sortedPorts = [...portCuts].filter((p) => p < 65_536).sort((a, b) => a - b);
      sortedPorts.forEach((from, k) => {
        const to = sortedPorts[k + 1] ?? 65_536;
        classes.fill(k, from, to);
        firsts.push(from);
      });
      this.portClass.push(classes);
      this.classPort.push(firsts);
      const addressCuts = new Set<number>([0]);
      for (const { ranges } of mine) for (const [a, b] of ranges) addressCuts.add(a).add(b);
      this.cuts.push(Float64Array.from([...addressCuts].filter((a) => a < 2 ** 32).sort((a, b) => a - b)));
      this.tcp.push(new Array(firsts.length));
      this.udp.push(new Array(firsts.length));
    }
    const ranges: number[] = [];
    const localCidrs = scope.localCidrs?.length ? scope.localCidrs : ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'];
    for (const cidr of localCidrs) {
      const c = parseCidr(cidr, { hostBits: 'mask' });
      if (c.family === 'ipv4') ranges.push(Number(c.network), Number(c.network) + 2 ** (32 - c.prefix));
    }
    this.local = Float64Array.from(ranges);
  }

  /** 0 ingress, 1 egress, -1 unknown: awsAttributor's guess for IPv4 addresses (as ipv4ToInt gives them). */
  guess(src: number, dst: number): number {
    const l = this.local;
    let s = false;
    let d = false;
    for (let i = 0; i < l.length; i += 2) {
      const lo = l[i] as number;
      const hi = l[i + 1] as number;
      if (src >= lo && src < hi) s = true;
      if (dst >= lo && dst < hi) d = true;
    }
    return d && !s ? 0 : s && !d ? 1 : -1;
  }

  /** The table for flows of this direction (0/1), protocol and destination port (0..65535). */
  table(dir: number, protocol: number, port: number): DecisionTable {
    if (protocol === 6 || protocol === 17) {
      const byClass = (protocol === 6 ? this.tcp : this.udp)[dir] as (DecisionTable | undefined)[];
      const k = (this.portClass[dir] as Int32Array)[port] as number;
      let t = byClass[k];
      if (t === undefined) {
        t = this.build(dir, protocol, (this.classPort[dir] as number[])[k] as number);
        byClass[k] = t;
      }
      return t;
    }
    const map = this.other[dir] as Map<number, DecisionTable>;
    let t = map.get(protocol);
    if (t === undefined) {
      t = this.build(dir, protocol, port);
      map.set(protocol, t);
    }
    return t;
  }

  /** Index of the range holding `ip` in `starts` (starts[0] is 0). */
  static find(starts: Float64Array, ip: number): number {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((starts[mid] as number) <= ip) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private build(dir: number, protocol: number, port: number): DecisionTable {
    const direction = dir === 0 ? 'ingress' : 'egress';
    const cuts = this.cuts[dir] as Float64Array;
    const starts: number[] = [];
    const nacl: number[] = [];
    const sg: number[] = [];
    const scratch: Entry[] = [];
    for (const at of cuts) {
      // awsAttributor's evaluation for a flow from `at` (every address of the range gets the same).
      let first: Entry | undefined;
      if (this.presentNacl) {
        scratch.length = 0;
        this.idx.index.nacl[direction].lookup('', at, protocol, port, scratch);
        for (const e of scratch) if (!first || e.priority < first.priority) first = e;
      }
      const set: number[] = [];
      if (this.presentSg) {
        scratch.length = 0;
        this.idx.index.sg[direction].lookup('', at, protocol, port, scratch);
        for (const e of scratch) if (e.action === 'allow' && !set.includes(e.index) && e.index !== first?.index) set.push(e.index);
      }
      const key = set.join(',');
      let id = this.setIds.get(key);
      if (id === undefined) {
        id = this.sets.length;
        this.sets.push(Int32Array.from(set));
        this.setIds.set(key, id);
      }
      const n = first ? first.index : -1;
      if (starts.length && nacl[nacl.length - 1] === n && sg[sg.length - 1] === id) continue;
      starts.push(at);
      nacl.push(n);
      sg.push(id);
    }
    return { starts: Float64Array.from(starts), nacl: Int32Array.from(nacl), sg: Int32Array.from(sg) };
  }
}

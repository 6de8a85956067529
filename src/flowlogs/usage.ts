import { ipv4ToInt } from './attribute.ts';
import type { MalformedSample } from './types.ts';

const DAY = 86_400_000;
/** Distinct remote prefixes and ports kept per rule; past this the attribute is marked truncated. */
export const ATTRIBUTE_CAP = 4096;

/** What one rule carried over the observation window. */
export interface RuleUsage {
  /** Connections (flows begun, or rule-counter matches). */
  hits: number;
  /** Log records attributed (continuing flows included). */
  records: number;
  packets: number;
  bytes: number;
  firstSeen: number;
  lastSeen: number;
  /** Records this rule shared with other matching rules (security groups). */
  ambiguous: number;
  /** Records that were probably return legs (NACL entries carry them): the rule serves every client. */
  responses: number;
  /** Remote side per IPv4 /24 (key: the /24's first address as an int) and per IPv6 /64 (text key). */
  remotes4: Map<number, number>;
  remotes6: Map<string, number>;
  /** Destination port -> records (tcp/udp only). */
  ports: Map<number, number>;
  remotesTruncated: boolean;
  portsTruncated: boolean;
  /** Whether records carried addresses and ports (the Azure rule counter does not). */
  attributesKnown: boolean;
}

export interface IngestStats {
  files: number;
  records: number;
  duplicates: number;
  duplicateFiles: string[];
  malformed: number;
  malformedSamples: MalformedSample[];
  /** Records the cloud says it did not capture (AWS SKIPDATA). */
  skipped: number;
  unattributed: Record<'direction_unknown' | 'no_matching_rule' | 'default_rule' | 'unlisted_rule', number>;
  /** Records counted for several rules (security groups). */
  ambiguous: number;
  /** Records the evaluation would have decided otherwise than the log says (rules changed in the window?). */
  mismatched: number;
}

export interface Coverage {
  /** Epoch ms of the first and last record or no-data marker seen; undefined when the logs were empty. */
  from?: number;
  to?: number;
  /** UTC days with any log record (no-data markers included). */
  days: number;
  /** UTC days inside [from, to] with no log at all, as ISO dates (first 50). */
  gaps: string[];
  gapDays: number;
}

const MALFORMED_SAMPLES = 5;

/** UsageModel.snapshot's data. */
export interface UsageSnapshot {
  rules: Map<number, RuleUsage>;
  unlisted: Map<string, { hits: number; lastSeen: number }>;
  days: number[];
  from: number;
  to: number;
  stats: IngestStats;
}

/** Hits, bytes and last-hit time per rule and per attribute, plus what the logs covered. Merges. */
export class UsageModel {
  readonly rules = new Map<number, RuleUsage>();
  /** Rules the logs name that are not in the listed rules (Azure default rules...). */
  readonly unlisted = new Map<string, { hits: number; lastSeen: number }>();
  private readonly dayset = new Set<number>();
  private from = Number.POSITIVE_INFINITY;
  private to = Number.NEGATIVE_INFINITY;
  readonly stats: IngestStats = {
    files: 0,
    records: 0,
    duplicates: 0,
    duplicateFiles: [],
    malformed: 0,
    malformedSamples: [],
    skipped: 0,
    unattributed: { direction_unknown: 0, no_matching_rule: 0, default_rule: 0, unlisted_rule: 0 },
    ambiguous: 0,
    mismatched: 0,
  };

  /** The last day range marked covered: most records fall inside it, so the day set is not touched. */
  private lastDays = [Number.NaN, Number.NaN];

  cover(start: number, end: number) {
    if (start < this.from) this.from = start;
    if (end > this.to) this.to = end;
    const first = Math.floor(start / DAY);
    const last = Math.floor(end / DAY);
    if (first >= (this.lastDays[0] as number) && last <= (this.lastDays[1] as number)) return;
    this.lastDays = [first, last];
    for (let d = Math.floor(start / DAY); d <= Math.floor(end / DAY); d++) this.dayset.add(d);
  }

  /** Everything the model holds, as structured-cloneable data (for a worker thread's counts). */
  snapshot(): UsageSnapshot {
    return { rules: this.rules, unlisted: this.unlisted, days: [...this.dayset], from: this.from, to: this.to, stats: this.stats };
  }

  /** The model a snapshot describes. */
  static fromSnapshot(s: UsageSnapshot): UsageModel {
    const m = new UsageModel();
    for (const [k, v] of s.rules) m.rules.set(k, v);
    for (const [k, v] of s.unlisted) m.unlisted.set(k, v);
    for (const d of s.days) m.dayset.add(d);
    m.from = s.from;
    m.to = s.to;
    Object.assign(m.stats, s.stats);
    return m;
  }

  malformed(sample: MalformedSample) {
    this.stats.malformed++;
    if (this.stats.malformedSamples.length < MALFORMED_SAMPLES) this.stats.malformedSamples.push(sample);
  }

  /** Counts one record for a rule. `remote` is the far side's address; `port` the destination port. */
  hit(
    rule: number,
    r: { start: number; end: number; hits: number; packets: number; bytes: number; protocol: number; dstPort: number },
    remote: string,
    ambiguous: boolean,
    response = false,
    /** The remote address as ipv4ToInt gives it, when the parser already has it (then `remote` may be ""). */
    remoteIp?: number,
  ) {
    let u = this.rules.get(rule);
    if (!u) {
      u = {
        hits: 0,
        records: 0,
        packets: 0,
        bytes: 0,
        firstSeen: r.start,
        lastSeen: r.end,
        ambiguous: 0,
        responses: 0,
        remotes4: new Map(),
        remotes6: new Map(),
        ports: new Map(),
        remotesTruncated: false,
        portsTruncated: false,
        attributesKnown: false,
      };
      this.rules.set(rule, u);
    }
    u.hits += r.hits;
    u.records++;
    u.packets += r.packets;
    u.bytes += r.bytes;
    if (r.start < u.firstSeen) u.firstSeen = r.start;
    if (r.end > u.lastSeen) u.lastSeen = r.end;
    if (ambiguous) u.ambiguous++;
    if (response) u.responses++;
    if (remote || (remoteIp !== undefined && remoteIp >= 0)) {
      u.attributesKnown = true;
      const ip = remoteIp !== undefined && remoteIp >= 0 ? remoteIp : ipv4ToInt(remote);
      if (ip >= 0) bump(u, u.remotes4, ip - (ip % 256));
      else bump(u, u.remotes6, v6Slash64(remote));
    }
    if (r.protocol === 6 || r.protocol === 17) {
      const n = u.ports.get(r.dstPort);
      if (n !== undefined) u.ports.set(r.dstPort, n + 1);
      else if (u.ports.size < ATTRIBUTE_CAP) u.ports.set(r.dstPort, 1);
      else u.portsTruncated = true;
    }
  }

  unlistedHit(name: string, hits: number, at: number) {
    const u = this.unlisted.get(name);
    if (u) {
      u.hits += hits;
      if (at > u.lastSeen) u.lastSeen = at;
    } else this.unlisted.set(name, { hits, lastSeen: at });
  }

  coverage(): Coverage {
    if (!Number.isFinite(this.from)) return { days: 0, gaps: [], gapDays: 0 };
    const gaps: string[] = [];
    let gapDays = 0;
    for (let d = Math.floor(this.from / DAY); d <= Math.floor(this.to / DAY); d++) {
      if (!this.dayset.has(d)) {
        gapDays++;
        if (gaps.length < 50) gaps.push(new Date(d * DAY).toISOString().slice(0, 10));
      }
    }
    return { from: this.from, to: this.to, days: this.dayset.size, gaps, gapDays };
  }

  /** Adds another model's counts (one file's, once that file is known not to be a duplicate delivery). */
  merge(other: UsageModel) {
    this.mergeRules(other);
    for (const [name, o] of other.unlisted) this.unlistedHit(name, o.hits, o.lastSeen);
    for (const d of other.dayset) this.dayset.add(d);
    this.from = Math.min(this.from, other.from);
    this.to = Math.max(this.to, other.to);
    const s = this.stats;
    const o = other.stats;
    s.records += o.records;
    s.duplicates += o.duplicates;
    s.skipped += o.skipped;
    s.ambiguous += o.ambiguous;
    s.mismatched += o.mismatched;
    for (const k of Object.keys(s.unattributed) as (keyof IngestStats['unattributed'])[]) s.unattributed[k] += o.unattributed[k];
    for (const m of o.malformedSamples) if (s.malformedSamples.length < MALFORMED_SAMPLES) s.malformedSamples.push(m);
    s.malformed += o.malformed;
  }

  /** The per-rule part of merge (usage only: stats and coverage are left alone). */
  mergeRules(other: { rules: Map<number, RuleUsage> }) {
    for (const [rule, o] of other.rules) {
      const u = this.rules.get(rule);
      if (!u) {
        this.rules.set(rule, o);
        continue;
      }
      u.hits += o.hits;
      u.records += o.records;
      u.packets += o.packets;
      u.bytes += o.bytes;
      u.ambiguous += o.ambiguous;
      u.responses += o.responses;
      u.firstSeen = Math.min(u.firstSeen, o.firstSeen);
      u.lastSeen = Math.max(u.lastSeen, o.lastSeen);
      u.attributesKnown ||= o.attributesKnown;
      for (const [k, n] of o.remotes4) addCapped(u, 'remotes', u.remotes4, k, n);
      for (const [k, n] of o.remotes6) addCapped(u, 'remotes', u.remotes6, k, n);
      for (const [k, n] of o.ports) addCapped(u, 'ports', u.ports, k, n);
      u.remotesTruncated ||= o.remotesTruncated;
      u.portsTruncated ||= o.portsTruncated;
    }
  }
}

function bump<K>(u: RuleUsage, map: Map<K, number>, key: K) {
  const n = map.get(key);
  if (n !== undefined) map.set(key, n + 1);
  else if (map.size < ATTRIBUTE_CAP) map.set(key, 1);
  else u.remotesTruncated = true;
}

function addCapped<K>(u: RuleUsage, which: 'remotes' | 'ports', map: Map<K, number>, key: K, n: number) {
  const have = map.get(key);
  if (have !== undefined) map.set(key, have + n);
  else if (map.size < ATTRIBUTE_CAP) map.set(key, n);
  else if (which === 'remotes') u.remotesTruncated = true;
  else u.portsTruncated = true;
}

/** The /64 holding an IPv6 address, as "2001:db8:1:2::/64" (text key; IPv6 flows are rare enough). */
export function v6Slash64(address: string): string {
  const full = address.includes('::') ? expand(address) : address.split(':');
  return `${full.slice(0, 4).map((h) => h.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

function expand(address: string): string[] {
  const [head = '', tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  return [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
}

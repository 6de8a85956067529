import { ipv4ToInt } from './attribute.ts';
import { ATTRIBUTE_CAP, type RuleUsage, type UsageModel, v6Slash64 } from './usage.ts';

/**
 * Counts of (rule, key) pairs in one open-addressing table over typed arrays, entries kept in the order
 * they were first seen (so the maps built from them iterate as UsageModel's own Maps would).
 */
class PairCounts {
  private slots = new Int32Array(1 << 12);
  rule = new Int32Array(1 << 11);
  key = new Int32Array(1 << 11);
  count = new Float64Array(1 << 11);
  size = 0;

  /** Adds n to (rule, key) when present (true); false when absent (nothing done). */
  bump(rule: number, key: number, n: number): boolean {
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = slot(rule, key) & mask; ; i = (i + 1) & mask) {
      const e = (slots[i] as number) - 1;
      if (e < 0) return false;
      if (this.key[e] === key && this.rule[e] === rule) {
        (this.count as Float64Array)[e] = (this.count[e] as number) + n;
        return true;
      }
    }
  }

  /** Appends a pair known to be absent. */
  insert(rule: number, key: number, n: number) {
    if ((this.size + 1) * 2 > this.slots.length) this.grow();
    if (this.size === this.rule.length) {
      this.rule = resize(this.rule, this.size * 2);
      this.key = resize(this.key, this.size * 2);
      this.count = resize(this.count, this.size * 2);
    }
    const e = this.size++;
    this.rule[e] = rule;
    this.key[e] = key;
    this.count[e] = n;
    this.place(e);
  }

  private place(e: number) {
    const mask = this.slots.length - 1;
    let i = slot(this.rule[e] as number, this.key[e] as number) & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = e + 1;
  }

  private grow() {
    this.slots = new Int32Array(this.slots.length * 2);
    for (let e = 0; e < this.size; e++) this.place(e);
  }
}

const slot = (rule: number, key: number) => {
  const h = Math.imul(key ^ Math.imul(rule, 0x85ebca6b), 0x9e3779b1);
  return h ^ (h >>> 15);
};

function resize<T extends Int32Array | Float64Array>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}

/**
 * UsageModel.hit's per-rule counters in typed arrays indexed by rule (no object or Map per record):
 * hits, records, packets, bytes, first/last seen, ambiguous and response counts, and the remote /24 and
 * destination-port attributes, capped at ATTRIBUTE_CAP distinct keys per rule exactly as UsageModel
 * caps them. `into` turns them into the UsageModel's RuleUsage entries once a file has been read.
 */
export class RuleCounters {
  readonly hits: Float64Array;
  readonly records: Float64Array;
  readonly packets: Float64Array;
  readonly bytes: Float64Array;
  readonly first: Float64Array;
  readonly last: Float64Array;
  readonly ambiguous: Float64Array;
  readonly responses: Float64Array;
  readonly flags: Uint8Array;
  private readonly remotes = new PairCounts();
  private readonly ports = new PairCounts();
  private readonly distinctRemotes: Int32Array;
  private readonly distinctPorts: Int32Array;
  /** IPv6 remotes (rare): per rule, /64 text -> records. */
  private readonly remotes6 = new Map<number, Map<string, number>>();

  constructor(rules: number) {
    this.hits = new Float64Array(rules);
    this.records = new Float64Array(rules);
    this.packets = new Float64Array(rules);
    this.bytes = new Float64Array(rules);
    this.first = new Float64Array(rules);
    this.last = new Float64Array(rules);
    this.ambiguous = new Float64Array(rules);
    this.responses = new Float64Array(rules);
    this.flags = new Uint8Array(rules);
    this.distinctRemotes = new Int32Array(rules);
    this.distinctPorts = new Int32Array(rules);
  }

  /**
   * UsageModel.hit for one record and rule. `remoteIp` is the remote address as ipv4ToInt gives it (-1:
   * not IPv4, then `remote` is its text; "" when the record has none).
   */
  hit(rule: number, start: number, end: number, hits: number, packets: number, bytes: number, protocol: number, dstPort: number, remoteIp: number, remote: string, ambiguous: boolean, response: boolean) {
    const records = this.records[rule] as number;
    if (records === 0) {
      this.first[rule] = start;
      this.last[rule] = end;
    } else {
      if (start < (this.first[rule] as number)) this.first[rule] = start;
      if (end > (this.last[rule] as number)) this.last[rule] = end;
    }
    this.records[rule] = records + 1;
    this.hits[rule] = (this.hits[rule] as number) + hits;
    this.packets[rule] = (this.packets[rule] as number) + packets;
    this.bytes[rule] = (this.bytes[rule] as number) + bytes;
    if (ambiguous) this.ambiguous[rule] = (this.ambiguous[rule] as number) + 1;
    if (response) this.responses[rule] = (this.responses[rule] as number) + 1;
    if (remoteIp < 0 && remote) remoteIp = ipv4ToInt(remote);
    if (remoteIp >= 0) {
      this.flags[rule] = (this.flags[rule] as number) | KNOWN;
      const key = (remoteIp - (remoteIp % 256)) / 256;
      if (!this.remotes.bump(rule, key, 1)) {
        if ((this.distinctRemotes[rule] as number) < ATTRIBUTE_CAP) {
          this.remotes.insert(rule, key, 1);
          this.distinctRemotes[rule] = (this.distinctRemotes[rule] as number) + 1;
        } else this.flags[rule] = (this.flags[rule] as number) | REMOTES_TRUNCATED;
      }
    } else if (remote) {
      this.flags[rule] = (this.flags[rule] as number) | KNOWN;
      let map = this.remotes6.get(rule);
      if (!map) {
        map = new Map();
        this.remotes6.set(rule, map);
      }
      const k = v6Slash64(remote);
      const n = map.get(k);
      if (n !== undefined) map.set(k, n + 1);
      else if (map.size < ATTRIBUTE_CAP) map.set(k, 1);
      else this.flags[rule] = (this.flags[rule] as number) | REMOTES_TRUNCATED;
    }
    if (protocol === 6 || protocol === 17) {
      if (!this.ports.bump(rule, dstPort, 1)) {
        if ((this.distinctPorts[rule] as number) < ATTRIBUTE_CAP) {
          this.ports.insert(rule, dstPort, 1);
          this.distinctPorts[rule] = (this.distinctPorts[rule] as number) + 1;
        } else this.flags[rule] = (this.flags[rule] as number) | PORTS_TRUNCATED;
      }
    }
  }

  /** Adds these counts to the model's rules (a model whose rules were counted by UsageModel.hit too merges). */
  into(model: UsageModel) {
    const usages = new Map<number, RuleUsage>();
    for (let rule = 0; rule < this.records.length; rule++) {
      if (this.records[rule] === 0) continue;
      const f = this.flags[rule] as number;
      usages.set(rule, {
        hits: this.hits[rule] as number,
        records: this.records[rule] as number,
        packets: this.packets[rule] as number,
        bytes: this.bytes[rule] as number,
        firstSeen: this.first[rule] as number,
        lastSeen: this.last[rule] as number,
        ambiguous: this.ambiguous[rule] as number,
        responses: this.responses[rule] as number,
        remotes4: new Map(),
        remotes6: this.remotes6.get(rule) ?? new Map(),
        ports: new Map(),
        remotesTruncated: (f & REMOTES_TRUNCATED) !== 0,
        portsTruncated: (f & PORTS_TRUNCATED) !== 0,
        attributesKnown: (f & KNOWN) !== 0,
      });
    }
    const r = this.remotes;
    for (let e = 0; e < r.size; e++) usages.get(r.rule[e] as number)?.remotes4.set((r.key[e] as number) * 256, r.count[e] as number);
    const p = this.ports;
    for (let e = 0; e < p.size; e++) usages.get(p.rule[e] as number)?.ports.set(p.key[e] as number, p.count[e] as number);
    model.mergeRules({ rules: usages });
  }
}

const KNOWN = 1;
const REMOTES_TRUNCATED = 2;
const PORTS_TRUNCATED = 4;

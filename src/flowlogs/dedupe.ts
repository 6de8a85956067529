/**
 * Remembers record keys for a sliding window of log time, so a redelivered record (flow logs are
 * at-least-once) is counted once. Memory is bounded by the records inside the window, not by the
 * input. Keys live in two generations: the current one, and the one before it, dropped once the newest
 * record is `windowMs` past the current generation's start. A key is thus remembered for at least
 * `windowMs` (and at most twice that) of log time after it was seen. A redelivery that arrives later
 * than that is caught only if it is a whole file (see ingest's file digests).
 *
 * Keys are kept as 64-bit hashes (two independent 32-bit multiplicative hashes, the low bit of one
 * forced on) in open-addressing tables of typed arrays, not as strings or boxed numbers: holding a
 * window of log lines would cost more memory and garbage collection than the rest of the ingestion.
 * Two different records share a hash with a probability of about n²/2⁶⁴ for n keys in the window.
 */
export interface DedupeState {
  current: { slots: Int32Array; count: number };
  previous: { slots: Int32Array; count: number };
  generationStart: number;
  newest: number;
}

export class DedupeWindow {
  private current = new KeyTable();
  private previous = new KeyTable();
  private generationStart = Number.NEGATIVE_INFINITY;
  private newest = Number.NEGATIVE_INFINITY;
  private readonly scratch = new Int32Array(2);

  private readonly windowMs: number;

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  /** True when the key was already seen inside the window (the record is a duplicate). */
  seenBefore(key: string, end: number): boolean {
    hash64(key, this.scratch);
    return this.seenHash(this.scratch, end);
  }

  /** seenBefore for a key already hashed with hash64 (or hash64Bytes over the same ASCII text). */
  seenHash(hash: Int32Array, end: number): boolean {
    const a = hash[0] as number;
    const b = hash[1] as number;
    if (this.current.has(a, b) || this.previous.has(a, b)) return true;
    if (end > this.newest) {
      this.newest = end;
      if (end - this.generationStart > this.windowMs) {
        const old = this.previous;
        this.previous = this.current;
        old.clear();
        this.current = old;
        this.generationStart = end;
      }
    }
    this.current.add(a, b);
    return false;
  }

  get size() {
    return this.current.count + this.previous.count;
  }

  /** The window's keys and clock, as structured-cloneable data (handed to and from worker threads). */
  state(): DedupeState {
    return { current: this.current.state(), previous: this.previous.state(), generationStart: this.generationStart, newest: this.newest };
  }

  /** Replaces the window's keys and clock with a state taken by `state` (of this or another window). */
  restore(s: DedupeState) {
    this.current = KeyTable.from(s.current);
    this.previous = KeyTable.from(s.previous);
    this.generationStart = s.generationStart;
    this.newest = s.newest;
  }
}

/**
 * A set of 64-bit keys (a, b) with a odd: linear probing over one Int32Array holding a and b side by
 * side (one cache line per probe), half full at most.
 */
class KeyTable {
  private slots = new Int32Array(2 << 12);
  count = 0;

  state(): { slots: Int32Array; count: number } {
    return { slots: this.slots.slice(), count: this.count };
  }

  static from(s: { slots: Int32Array; count: number }): KeyTable {
    const t = new KeyTable();
    t.slots = s.slots.slice();
    t.count = s.count;
    return t;
  }

  has(a: number, b: number): boolean {
    const s = this.slots;
    const mask = (s.length >>> 1) - 1;
    for (let i = (a ^ (b >>> 7)) & mask; ; i = (i + 1) & mask) {
      const x = s[2 * i];
      if (x === 0) return false;
      if (x === a && s[2 * i + 1] === b) return true;
    }
  }

  add(a: number, b: number) {
    if ((this.count + 1) * 4 > this.slots.length) this.grow();
    this.insert(a, b);
    this.count++;
  }

  clear() {
    // A table grown for a busy window keeps its size: the next window is likely as busy.
    this.slots.fill(0);
    this.count = 0;
  }

  private insert(a: number, b: number) {
    const s = this.slots;
    const mask = (s.length >>> 1) - 1;
    let i = (a ^ (b >>> 7)) & mask;
    while (s[2 * i] !== 0) i = (i + 1) & mask;
    s[2 * i] = a;
    s[2 * i + 1] = b;
  }

  private grow() {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.insert(old[i] as number, old[i + 1] as number);
  }
}

/** Two 32-bit multiplicative hashes of the UTF-16 code units into `out` (out[0] is odd, never 0). */
export function hash64(text: string, out: Int32Array): void {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  out[0] = a | 1;
  out[1] = b ^ (b >>> 15);
}

/** hash64 over bytes [start, end) of ASCII text (equal to hash64 of the same text); false when a byte is not ASCII. */
export function hash64Bytes(buf: Uint8Array, start: number, end: number, out: Int32Array): boolean {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ (end - start);
  for (let i = start; i < end; i++) {
    const c = buf[i] as number;
    if (c > 0x7f) return false;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  out[0] = a | 1;
  out[1] = b ^ (b >>> 15);
  return true;
}

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
}

/** A set of 64-bit keys (a, b) with a odd: linear probing over two Int32Arrays, half full at most. */
class KeyTable {
  private a = new Int32Array(1 << 12);
  private b = new Int32Array(1 << 12);
  count = 0;

  has(a: number, b: number): boolean {
    const mask = this.a.length - 1;
    for (let i = (a ^ (b >>> 7)) & mask; ; i = (i + 1) & mask) {
      const x = this.a[i];
      if (x === 0) return false;
      if (x === a && this.b[i] === b) return true;
    }
  }

  add(a: number, b: number) {
    if ((this.count + 1) * 2 > this.a.length) this.grow();
    this.insert(a, b);
    this.count++;
  }

  clear() {
    // A table grown for a busy window keeps its size: the next window is likely as busy.
    this.a.fill(0);
    this.count = 0;
  }

  private insert(a: number, b: number) {
    const mask = this.a.length - 1;
    let i = (a ^ (b >>> 7)) & mask;
    while (this.a[i] !== 0) i = (i + 1) & mask;
    this.a[i] = a;
    this.b[i] = b;
  }

  private grow() {
    const oldA = this.a;
    const oldB = this.b;
    this.a = new Int32Array(oldA.length * 2);
    this.b = new Int32Array(oldB.length * 2);
    for (let i = 0; i < oldA.length; i++) if (oldA[i] !== 0) this.insert(oldA[i] as number, oldB[i] as number);
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

/**
 * Remembers record keys for a sliding window of log time, so a redelivered record (flow logs are
 * at-least-once) is counted once. Memory is bounded by the records inside the window, not by the
 * input: keys older than `windowMs` behind the newest record seen are forgotten. A redelivery that
 * arrives later than that is caught only if it is a whole file (see ingest's file digests).
 *
 * Keys are kept as 53-bit hashes (two independent 32-bit FNV-1a style hashes), not as strings: holding
 * a window of log lines would cost more memory and garbage collection than the rest of the ingestion.
 * Two different records share a hash with a probability of about n²/2⁵⁴ for n keys in the window
 * (under 10⁻⁶ for 100,000).
 */
export class DedupeWindow {
  private readonly seen = new Set<number>();
  private keys: number[] = [];
  private ends: number[] = [];
  private head = 0;
  private newest = Number.NEGATIVE_INFINITY;

  private readonly windowMs: number;

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  /** True when the key was already seen inside the window (the record is a duplicate). */
  seenBefore(key: string, end: number): boolean {
    const h = hash53(key);
    if (this.seen.has(h)) return true;
    this.seen.add(h);
    this.keys.push(h);
    this.ends.push(end);
    if (end > this.newest) {
      this.newest = end;
      this.evict();
    }
    return false;
  }

  get size() {
    return this.seen.size;
  }

  private evict() {
    const limit = this.newest - this.windowMs;
    // Insertion order approximates time order; out-of-order stragglers leave with their neighbours.
    while (this.head < this.keys.length && (this.ends[this.head] as number) < limit) {
      this.seen.delete(this.keys[this.head] as number);
      this.head++;
    }
    if (this.head > 65_536 && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.ends = this.ends.slice(this.head);
      this.head = 0;
    }
  }
}

/** Two 32-bit multiplicative hashes of the UTF-16 code units, combined into a safe integer (53 bits). */
export function hash53(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  b ^= b >>> 15;
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

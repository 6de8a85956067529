/**
 * Remembers record keys for a sliding window of log time, so a redelivered record (flow logs are
 * at-least-once) is counted once. Memory is bounded by the records inside the window, not by the
 * input: keys older than `windowMs` behind the newest record seen are forgotten. A redelivery that
 * arrives later than that is caught only if it is a whole file (see ingest's file digests).
 */
export class DedupeWindow {
  private readonly seen = new Map<string, number>();
  private keys: string[] = [];
  private ends: number[] = [];
  private head = 0;
  private newest = Number.NEGATIVE_INFINITY;

  constructor(private readonly windowMs: number) {}

  /** True when the key was already seen inside the window (the record is a duplicate). */
  seenBefore(key: string, end: number): boolean {
    if (this.seen.has(key)) return true;
    this.seen.set(key, end);
    this.keys.push(key);
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
      this.seen.delete(this.keys[this.head] as string);
      this.head++;
    }
    if (this.head > 65_536 && this.head * 2 > this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.ends = this.ends.slice(this.head);
      this.head = 0;
    }
  }
}

import type { FlowRecord } from './types.ts';

/** Where a parser sends what it reads. Parsers never keep records: memory stays flat. */
export interface FlowSink {
  /** One flow (or counter sample). */
  flow(record: FlowRecord): void;
  /** Logging was active over [start, end] (a record with no traffic, e.g. AWS NODATA). */
  covered(start: number, end: number): void;
  /** A line or record that could not be read: counted and skipped. */
  malformed(at: string, reason: string): void;
  /** Records the log itself says were not captured (AWS SKIPDATA). */
  skipped(at: string): void;
}

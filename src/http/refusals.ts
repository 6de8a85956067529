/**
 * Refusals per source address, so an unauthenticated flood can neither grow the audit log without limit
 * nor keep the service busy refusing:
 * - a source refused `limit` times in a fixed window is answered `429 too_many_refusals` (with
 *   Retry-After: the seconds until the window ends) for the rest of the window, before any other work;
 * - authenticated refusals are audited one event each, as before;
 * - unauthenticated ones (no client identified) are audited one event each for the first
 *   INDIVIDUAL_PER_WINDOW of a window, then counted: when the window ends one `request.refused.summary`
 *   event per source carries the count, the codes and a few samples (request id, code, method, path).
 * Counters live in the process (a Worker isolate has its own): a restart forgets the open window, and
 * its summary is written at close when the entry point flushes.
 */
import type { AuditEventInput } from '../audit/types.ts';

/** Unauthenticated refusals of one source audited one by one per window before the rest are summarized. */
export const INDIVIDUAL_PER_WINDOW = 3;
/** Samples kept in a summary event. */
export const SUMMARY_SAMPLES = 5;
/** Sources tracked at once; past this every open window is summarized early (memory stays bounded). */
export const MAX_SOURCES = 10_000;

export interface RefusalLimits {
  /** Refusals per source and window before 429 (default 60). */
  limit: number;
  windowMs: number;
}

export interface RefusalSample {
  request_id: string;
  code: string;
  method: string;
  path: string;
  time: string;
}

interface Window {
  start: number;
  refusals: number;
  /** Unauthenticated refusals not audited on their own (summarized at the end of the window). */
  summarized: number;
  unauthenticated: number;
  codes: Record<string, number>;
  samples: RefusalSample[];
}

export class RefusalTracker {
  private readonly windows = new Map<string, Window>();
  private nextDrain = Number.POSITIVE_INFINITY;

  readonly limits: RefusalLimits;
  constructor(limits: RefusalLimits) {
    this.limits = limits;
  }

  /** Seconds to wait when `source` is over its limit now, else undefined. */
  limited(source: string, now: number): number | undefined {
    const w = this.current(source, now);
    if (!w || w.refusals < this.limits.limit) return undefined;
    return Math.max(1, Math.ceil((w.start + this.limits.windowMs - now) / 1000));
  }

  /**
   * Counts one refusal; true when it is to be audited on its own (authenticated, or among the first
   * unauthenticated ones of the window), false when it only goes into the window's summary.
   */
  record(source: string, now: number, authenticated: boolean, sample: RefusalSample): boolean {
    let w = this.current(source, now);
    if (!w) {
      w = { start: now, refusals: 0, summarized: 0, unauthenticated: 0, codes: {}, samples: [] };
      this.windows.set(source, w);
      this.nextDrain = Math.min(this.nextDrain, now + this.limits.windowMs);
    }
    w.refusals += 1;
    if (authenticated) return true;
    w.unauthenticated += 1;
    if (w.unauthenticated <= INDIVIDUAL_PER_WINDOW) return true;
    w.summarized += 1;
    w.codes[sample.code] = (w.codes[sample.code] ?? 0) + 1;
    if (w.samples.length < SUMMARY_SAMPLES) w.samples.push(sample);
    return false;
  }

  /** Summary events of the windows that have ended (all of them with `all`, or when too many are open). */
  drain(now: number, all = false): AuditEventInput[] {
    const overfull = this.windows.size > MAX_SOURCES;
    if (!all && !overfull && now < this.nextDrain) return [];
    const out: AuditEventInput[] = [];
    this.nextDrain = Number.POSITIVE_INFINITY;
    for (const [source, w] of this.windows) {
      const end = w.start + this.limits.windowMs;
      if (all || overfull || now >= end) {
        this.windows.delete(source);
        if (w.summarized > 0) out.push(summaryEvent(source, w, end));
      } else {
        this.nextDrain = Math.min(this.nextDrain, end);
      }
    }
    return out;
  }

  private current(source: string, now: number): Window | undefined {
    const w = this.windows.get(source);
    return w && now < w.start + this.limits.windowMs ? w : undefined;
  }
}

function summaryEvent(source: string, w: Window, end: number): AuditEventInput {
  return {
    action: 'request.refused.summary',
    outcome: 'refused',
    sourceAddress: source,
    detail: {
      window_start: new Date(w.start).toISOString(),
      window_end: new Date(end).toISOString(),
      count: w.summarized,
      refusals_in_window: w.refusals,
      audited_individually: w.unauthenticated - w.summarized,
      codes: w.codes,
      samples: w.samples,
    },
  };
}

/** Formats of the pull API and the streaming bulk export (runtime-free: Web Streams only). */
import type { Store } from '../store/types.ts';
import { toCef } from './cef.ts';
import { type CloudLookup, toOcsf } from './ocsf.ts';
import { type AuditPageQuery, type AuditRow, rowToEvent } from './pull-types.ts';

export const AUDIT_FORMATS = ['json', 'ndjson', 'ocsf', 'cef'] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

export const CONTENT_TYPES: Record<AuditFormat, string> = {
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  ocsf: 'application/ocsf+json',
  cef: 'text/plain; charset=utf-8',
};

/** ?format= wins; else the Accept header (x-ndjson / jsonl, ocsf+json, x-cef); else JSON. */
export function negotiateFormat(param: AuditFormat | undefined, accept: string | undefined): AuditFormat {
  if (param) return param;
  const types = (accept ?? '').toLowerCase();
  if (/application\/(x-ndjson|jsonl|x-jsonlines)/.test(types)) return 'ndjson';
  if (types.includes('application/ocsf+json')) return 'ocsf';
  if (/(text|application)\/x-cef/.test(types)) return 'cef';
  return 'json';
}

/** A page body in a non-streaming format. */
export function formatPage(format: Exclude<AuditFormat, 'ndjson'>, rows: AuditRow[], nextCursor: string, version: string, clouds?: CloudLookup): string {
  if (format === 'cef') return rows.map((r) => `${toCef(rowToEvent(r), version, clouds)}\n`).join('');
  if (format === 'ocsf') {
    return JSON.stringify({ ocsf_version: '1.3.0', events: rows.map((r) => toOcsf(rowToEvent(r), version, clouds)), next_cursor: nextCursor });
  }
  return JSON.stringify({ events: rows.map(rowToEvent), next_cursor: nextCursor });
}

const encoder = new TextEncoder();

/**
 * NDJSON of every matching event up to `query.through`, pulled from the store one page at a time as
 * the client reads: memory stays at about one page whatever the size of the log.
 */
export function ndjsonExport(store: Store, query: Omit<AuditPageQuery, 'limit'> & { through: number }, pageSize = 1_000): ReadableStream<Uint8Array> {
  let after = query.after;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const page = await store.auditNdjsonPage({ ...query, after, limit: pageSize });
        if (page.last !== undefined) {
          after = page.last;
          controller.enqueue(encoder.encode(page.text));
        }
        if (page.count < pageSize) controller.close();
      },
    },
    { highWaterMark: 1 },
  );
}

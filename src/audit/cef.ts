/**
 * Audit events as ArcSight CEF lines for older SIEMs:
 * CEF:0|portcullis|portcullis|<version>|<action>|<name>|<severity>|<extension>
 * Header fields escape "\" and "|"; extension values escape "\", "=" and line breaks (CEF spec).
 */
import { canonicalJson } from './canonical.ts';
import type { AuditEvent } from './types.ts';

const SEVERITY: Record<AuditEvent['outcome'], number> = { success: 3, pending: 3, refused: 6, failure: 7 };
/** CEF consumers truncate long values; the full event is in the JSON and NDJSON formats. */
const MAX_MSG = 1023;

const header = (value: string): string => value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]/g, ' ');
const ext = (value: string): string =>
  value.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r\n|\n/g, '\\n').replace(/\r/g, '\\r');

export function toCef(e: AuditEvent, productVersion: string): string {
  const fields: [string, string | number | undefined][] = [
    ['rt', Date.parse(e.time)],
    ['externalId', e.id],
    ['cn1Label', 'seq'],
    ['cn1', e.seq],
    ['act', e.action],
    ['outcome', e.outcome],
    ['suser', e.client_id],
    ['cs1Label', e.playbook === undefined ? undefined : 'playbook'],
    ['cs1', e.playbook],
    ['cs2Label', e.run_id === undefined ? undefined : 'run'],
    ['cs2', e.run_id],
    ['cs3Label', e.target === undefined ? undefined : 'target'],
    ['cs3', e.target],
    ['cs4Label', 'hash'],
    ['cs4', e.hash],
    ['requestClientApplication', e.request_id],
    ['msg', e.detail ? canonicalJson(e.detail).slice(0, MAX_MSG) : undefined],
  ];
  const extension = fields
    .filter((f): f is [string, string | number] => f[1] !== undefined)
    .map(([k, v]) => `${k}=${ext(String(v))}`)
    .join(' ');
  const name = `${e.action} ${e.outcome}`;
  return `CEF:0|portcullis|portcullis|${header(productVersion)}|${header(e.action)}|${header(name)}|${SEVERITY[e.outcome]}|${extension}`;
}

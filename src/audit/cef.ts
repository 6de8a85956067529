/**
 * Audit events as ArcSight CEF lines for older SIEMs:
 * CEF:0|portcullis|portcullis|<version>|<action>|<name>|<severity>|<extension>
 * Header fields escape "\" and "|"; extension values escape "\", "=" and line breaks (CEF spec).
 * What a SIEM correlates on has its own key (not only inside msg): the CIDRs (cs6), the direction
 * (deviceDirection: 0 inbound, 1 outbound), the protocol (proto), the cloud (flexString1, region in
 * flexString2), the caller's address (src), the request id (cs5; requestClientApplication is the
 * user agent's key).
 */
import { canonicalJson } from './canonical.ts';
import type { CloudLookup } from './ocsf.ts';
import type { AuditEvent } from './types.ts';

const SEVERITY: Record<AuditEvent['outcome'], number> = { success: 3, pending: 3, refused: 6, failure: 7 };
/** CEF consumers truncate long values; the full event is in the JSON and NDJSON formats. */
export const MAX_MSG = 1023;

const header = (value: string): string => value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]/g, ' ');
const ext = (value: string): string =>
  value.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r\n|\n/g, '\\n').replace(/\r/g, '\\r');

/** An escaped value cut to at most `max` characters without splitting an escape sequence. */
export function truncateEscaped(escaped: string, max: number): string {
  if (escaped.length <= max) return escaped;
  let end = max;
  // Count the backslashes before the cut: an odd number means the cut splits "\x" in two.
  let slashes = 0;
  for (let i = end - 1; i >= 0 && escaped[i] === '\\'; i--) slashes += 1;
  if (slashes % 2 === 1) end -= 1;
  return escaped.slice(0, end);
}

interface RuleDetail {
  direction?: string;
  protocol?: string;
  cidrs?: string[];
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export function toCef(e: AuditEvent, productVersion: string, clouds?: CloudLookup): string {
  const rule = (e.detail?.rule as RuleDetail | undefined) ?? {};
  const cidrs = Array.isArray(rule.cidrs) ? rule.cidrs : typeof e.detail?.cidr === 'string' ? [e.detail.cidr] : [];
  const direction = rule.direction === 'ingress' ? 0 : rule.direction === 'egress' ? 1 : undefined;
  const cloud = e.target ? clouds?.(e.target.split('/')[0] ?? '') : undefined;
  const source = e.source_address && e.source_address !== 'unknown' ? e.source_address : undefined;
  const fields: [string, string | number | undefined][] = [
    ['rt', Date.parse(e.time)],
    ['externalId', e.id],
    ['cn1Label', 'seq'],
    ['cn1', e.seq],
    ['act', e.action],
    ['outcome', e.outcome],
    ['suser', e.client_id],
    ['src', source && IPV4.test(source) ? source : undefined],
    ['c6a2Label', source?.includes(':') ? 'source_address' : undefined],
    ['c6a2', source?.includes(':') ? source : undefined],
    ['cs1Label', e.playbook === undefined ? undefined : 'playbook'],
    ['cs1', e.playbook],
    ['cs2Label', e.run_id === undefined ? undefined : 'run'],
    ['cs2', e.run_id],
    ['cs3Label', e.target === undefined ? undefined : 'target'],
    ['cs3', e.target],
    ['cs4Label', 'hash'],
    ['cs4', e.hash],
    ['cs5Label', e.request_id === undefined ? undefined : 'request_id'],
    ['cs5', e.request_id],
    ['cs6Label', cidrs.length ? 'cidrs' : undefined],
    ['cs6', cidrs.length ? cidrs.join(',') : undefined],
    ['deviceDirection', direction],
    ['proto', rule.protocol && rule.protocol !== 'all' ? rule.protocol.toUpperCase() : undefined],
    ['flexString1Label', cloud ? 'cloud' : undefined],
    ['flexString1', cloud?.provider],
    ['flexString2Label', cloud?.region ? 'cloud_region' : undefined],
    ['flexString2', cloud?.region],
  ];
  const extension = fields
    .filter((f): f is [string, string | number] => f[1] !== undefined)
    .map(([k, v]) => `${k}=${ext(String(v))}`);
  // msg last, escaped first and then cut: the limit applies to what is written.
  if (e.detail) extension.push(`msg=${truncateEscaped(ext(canonicalJson(e.detail)), MAX_MSG)}`);
  const name = `${e.action} ${e.outcome}`;
  return `CEF:0|portcullis|portcullis|${header(productVersion)}|${header(e.action)}|${header(name)}|${SEVERITY[e.outcome]}|${extension.join(' ')}`;
}

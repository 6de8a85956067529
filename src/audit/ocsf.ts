/**
 * Audit events as OCSF 1.3.0: Network Remediation Activity (7004) for blocks, quarantines and their
 * undoing; API Activity (6003) for calls and everything else (config loads, reconcile passes, cloud calls
 * on allow rules). Checked against the OCSF 1.3.0 schema files in test/audit/ocsf.test.ts. What a SIEM
 * needs is in mapped fields: the blocked CIDRs and hosts as `observables`, the change in `remediation`
 * and `connection_info`, the cloud in the `cloud` profile, the run in `metadata.correlation_uid`; the
 * portcullis event itself, hashes included, stays under `unmapped.portcullis` so nothing is lost.
 */
import type { AuditEvent } from './types.ts';

export const OCSF_VERSION = '1.3.0';

type Json = Record<string, unknown>;

/** Where a connector's targets live, for the OCSF `cloud` profile (from the connector's config). */
export interface CloudContext {
  provider: 'AWS' | 'Azure' | 'GCP' | 'Cloudflare';
  region?: string;
  /** AWS account id or Azure subscription id. */
  account_uid?: string;
  /** GCP project id. */
  project_uid?: string;
}
export type CloudLookup = (connectorId: string) => CloudContext | undefined;

const SEVERITY: Record<AuditEvent['outcome'], [number, string]> = {
  success: [1, 'Informational'],
  pending: [1, 'Informational'],
  refused: [2, 'Low'],
  failure: [3, 'Medium'],
};

const STATUS: Record<AuditEvent['outcome'], [number, string]> = {
  success: [1, 'Success'],
  failure: [2, 'Failure'],
  refused: [2, 'Failure'],
  pending: [0, 'Unknown'],
};

/** IANA protocol numbers for connection_info.protocol_num. */
const PROTOCOL_NUM: Record<string, number> = { icmp: 1, tcp: 6, udp: 17 };

interface RuleDetail {
  action?: string;
  direction?: string;
  protocol?: string;
  ports?: { from: number; to: number }[];
  cidrs?: string[];
}

const ruleOf = (e: AuditEvent): RuleDetail => (e.detail?.rule as RuleDetail | undefined) ?? {};
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const runsOf = (e: AuditEvent): string[] => (Array.isArray(e.detail?.runs) ? (e.detail.runs as unknown[]).filter((r): r is string => typeof r === 'string' && r.startsWith('run_')) : []);

/** 7004 activity: 1 Isolate (a block or quarantine put in place), 3 Restore (taken away or healed). */
function remediationActivity(e: AuditEvent): [number, string] | undefined {
  switch (e.action) {
    case 'host.quarantined':
      return [1, 'Isolate'];
    case 'host.released':
    case 'intent.expired':
    case 'drift.healed':
      return [3, 'Restore'];
    case 'cloud.operation':
      if (ruleOf(e).action !== 'deny') return undefined;
      return e.detail?.op === 'delete' ? [3, 'Restore'] : [1, 'Isolate'];
    default:
      return undefined;
  }
}

/** 6003 activity from the HTTP method or the cloud operation: Create, Read, Update, Delete, else Other. */
function apiActivity(e: AuditEvent): [number, string] {
  const op = e.detail?.op ?? e.detail?.method;
  if (op === 'create' || op === 'POST' || e.action === 'run.accepted') return [1, 'Create'];
  if (op === 'GET') return [2, 'Read'];
  if (op === 'update' || op === 'PUT' || op === 'PATCH') return [3, 'Update'];
  if (op === 'delete' || op === 'DELETE') return [4, 'Delete'];
  return [99, 'Other'];
}

/** The CIDRs an event is about: a rule's, or an expired block's. */
function cidrsOf(e: AuditEvent): { cidrs: string[]; path: string } {
  const rule = ruleOf(e);
  if (Array.isArray(rule.cidrs) && rule.cidrs.length) return { cidrs: rule.cidrs.filter((c) => typeof c === 'string'), path: 'unmapped.portcullis.detail.rule.cidrs' };
  const cidr = text(e.detail?.cidr);
  return cidr ? { cidrs: [cidr], path: 'unmapped.portcullis.detail.cidr' } : { cidrs: [], path: '' };
}

/** A single address is an "IP Address" observable (type 2), a wider prefix a "Subnet" (type 12). */
function addressObservable(cidr: string, name: string): Json {
  const [address = cidr, length] = cidr.split('/');
  const host = length === undefined || length === (address.includes(':') ? '128' : '32');
  return host ? { name, type_id: 2, type: 'IP Address', value: address } : { name, type_id: 12, type: 'Subnet', value: cidr };
}

function observables(e: AuditEvent, sourceField: string): Json[] {
  const { cidrs, path } = cidrsOf(e);
  const out = cidrs.map((c) => addressObservable(c, path));
  const host = text(e.detail?.host);
  if (host) out.push({ name: 'unmapped.portcullis.detail.host', type_id: 10, type: 'Resource UID', value: host });
  if (e.target) out.push({ name: 'unmapped.portcullis.target', type_id: 10, type: 'Resource UID', value: e.target });
  if (e.source_address && e.source_address !== 'unknown') out.push({ name: sourceField, type_id: 2, type: 'IP Address', value: e.source_address });
  return out;
}

function cloudOf(e: AuditEvent, clouds: CloudLookup | undefined): Json | undefined {
  const connectorId = e.target?.split('/')[0];
  const cloud = connectorId ? clouds?.(connectorId) : undefined;
  if (!cloud) return undefined;
  return {
    provider: cloud.provider,
    ...(cloud.region ? { region: cloud.region } : {}),
    ...(cloud.account_uid ? { account: { uid: cloud.account_uid } } : {}),
    ...(cloud.project_uid ? { project_uid: cloud.project_uid } : {}),
  };
}

function base(e: AuditEvent, productVersion: string, clouds: CloudLookup | undefined, status: [number, string], sourceField: string): Json {
  const [severityId, severity] = SEVERITY[e.outcome];
  const [statusId, statusName] = status;
  const cloud = cloudOf(e, clouds);
  const correlation = e.run_id ?? runsOf(e)[0] ?? e.request_id;
  const found = observables(e, sourceField);
  const errorMessage = text((e.detail?.error as Json | undefined)?.message);
  return {
    time: Date.parse(e.time),
    severity_id: severityId,
    severity,
    status_id: statusId,
    status: statusName,
    ...(typeof e.detail?.code === 'string' ? { status_code: e.detail.code } : {}),
    ...(errorMessage ? { status_detail: errorMessage.slice(0, 500) } : {}),
    message: `${e.action} ${e.outcome}${e.target ? ` on ${e.target}` : ''}${e.client_id ? ` by ${e.client_id}` : ''}`,
    metadata: {
      version: OCSF_VERSION,
      uid: e.id,
      sequence: e.seq,
      log_name: 'portcullis-audit',
      ...(correlation ? { correlation_uid: correlation } : {}),
      ...(cloud ? { profiles: ['cloud'] } : {}),
      product: { name: 'portcullis', vendor_name: 'portcullis', version: productVersion },
    },
    ...(cloud ? { cloud } : {}),
    ...(found.length ? { observables: found } : {}),
    unmapped: { portcullis: e },
  };
}

function directionOf(direction: string | undefined): Json {
  if (direction === 'ingress') return { direction_id: 1, direction: 'Inbound' };
  if (direction === 'egress') return { direction_id: 2, direction: 'Outbound' };
  return { direction_id: 0, direction: 'Unknown' };
}

/** A sentence a SOC analyst can read: what was done, to which addresses, where. */
function remediationDesc(e: AuditEvent, activity: string): string {
  const rule = ruleOf(e);
  const { cidrs } = cidrsOf(e);
  const ports = rule.ports?.length ? ` port ${rule.ports.map((p) => (p.from === p.to ? p.from : `${p.from}-${p.to}`)).join(',')}` : '';
  const what = text(e.detail?.host)
    ? `host ${e.detail?.host}`
    : `${rule.action ?? 'deny'} ${rule.direction ?? ''} ${rule.protocol ?? ''}${ports} ${cidrs.join(', ')}`.replace(/\s+/g, ' ').trim();
  return `${activity}: ${what}${e.target ? ` on ${e.target}` : ''} (${e.action}${e.detail?.op ? ` ${e.detail.op}` : ''}, ${e.outcome})`.slice(0, 1000);
}

function networkRemediation(e: AuditEvent, [activityId, activity]: [number, string], productVersion: string, clouds: CloudLookup | undefined): Json {
  const rule = ruleOf(e);
  const protocol = rule.protocol && rule.protocol !== 'all' ? { protocol_name: rule.protocol, ...(PROTOCOL_NUM[rule.protocol] ? { protocol_num: PROTOCOL_NUM[rule.protocol] } : {}) } : {};
  // 7004 adds status 3 "Does Not Exist": the host or target named is not there.
  const notFound = (e.detail?.error as { kind?: string } | undefined)?.kind === 'not_found';
  const status: [number, string] = notFound ? [3, 'Does Not Exist'] : STATUS[e.outcome];
  return {
    ...base(e, productVersion, clouds, status, 'unmapped.portcullis.source_address'),
    category_uid: 7,
    category_name: 'Remediation',
    class_uid: 7004,
    class_name: 'Network Remediation Activity',
    activity_id: activityId,
    activity_name: activity,
    type_uid: 700400 + activityId,
    type_name: `Network Remediation Activity: ${activity}`,
    // The run that asked for the change is the "command"; reconciler work without a run uses the event id.
    command_uid: e.run_id ?? runsOf(e)[0] ?? e.id,
    connection_info: { ...directionOf(rule.direction), ...protocol },
    remediation: { desc: remediationDesc(e, activity) },
    countermeasures: [
      {
        d3f_tactic: { name: activity, uid: `d3f:${activity}` },
        d3f_technique:
          e.action.startsWith('host.') ? { name: 'Network Isolation', uid: 'D3-NI' } : { name: 'Network Traffic Filtering', uid: 'D3-NTF' },
      },
    ],
  };
}

function apiCall(e: AuditEvent, productVersion: string, clouds: CloudLookup | undefined): Json {
  const [activityId, activity] = apiActivity(e);
  const method = text(e.detail?.method);
  const path = text(e.detail?.path);
  const address = e.source_address && e.source_address !== 'unknown' ? e.source_address : undefined;
  const runs = [...new Set([...(e.run_id ? [e.run_id] : []), ...runsOf(e)])];
  return {
    ...base(e, productVersion, clouds, STATUS[e.outcome], 'src_endpoint.ip'),
    category_uid: 6,
    category_name: 'Application Activity',
    class_uid: 6003,
    class_name: 'API Activity',
    activity_id: activityId,
    // For Other (99) OCSF lets activity_name carry the source's own name; type_name stays the schema's.
    activity_name: activityId === 99 ? e.action : activity,
    type_uid: 600300 + activityId,
    type_name: `API Activity: ${activity}`,
    actor: e.client_id
      ? { user: { uid: e.client_id, name: e.client_id, type_id: 99, type: 'SOAR client' }, app_name: 'portcullis' }
      : { app_name: 'portcullis', invoked_by: 'portcullis' },
    api: {
      operation: e.action,
      service: { name: 'portcullis' },
      ...(e.request_id ? { request: { uid: e.request_id } } : {}),
    },
    src_endpoint: {
      ...(address ? { ip: address } : {}),
      ...(e.client_id ? { name: e.client_id, uid: e.client_id } : address ? {} : { name: 'portcullis' }),
    },
    ...(method && path ? { http_request: { http_method: method, url: { path } } } : {}),
    ...(e.target || runs.length || e.playbook
      ? {
          resources: [
            ...(e.target ? [{ uid: e.target, type: 'firewall target' }] : []),
            ...runs.map((uid) => ({ uid, type: 'run' })),
            ...(e.playbook ? [{ name: e.playbook, type: 'playbook' }] : []),
          ],
        }
      : {}),
  };
}

/** One audit event as an OCSF 1.3.0 event object; `clouds` fills the cloud profile for targets. */
export function toOcsf(e: AuditEvent, productVersion: string, clouds?: CloudLookup): Json {
  const remediation = remediationActivity(e);
  return remediation ? networkRemediation(e, remediation, productVersion, clouds) : apiCall(e, productVersion, clouds);
}

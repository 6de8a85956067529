/**
 * Audit events as OCSF 1.3.0: Network Remediation Activity (7004) for blocks, quarantines and their
 * undoing; API Activity (6003) for calls and everything else (config loads, reconcile passes, cloud calls
 * on allow rules). Each carries the class's required attributes (see test/audit/ocsf.test.ts), and the
 * portcullis event itself, hashes included, under `unmapped.portcullis` so nothing is lost.
 */
import type { AuditEvent } from './types.ts';

export const OCSF_VERSION = '1.3.0';

type Json = Record<string, unknown>;

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

interface RuleDetail {
  action?: string;
  direction?: string;
  protocol?: string;
  cidrs?: string[];
}

const ruleOf = (e: AuditEvent): RuleDetail => (e.detail?.rule as RuleDetail | undefined) ?? {};

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
  return [99, e.action];
}

function base(e: AuditEvent, productVersion: string): Json {
  const [severityId, severity] = SEVERITY[e.outcome];
  const [statusId, status] = STATUS[e.outcome];
  return {
    time: Date.parse(e.time),
    severity_id: severityId,
    severity,
    status_id: statusId,
    status,
    ...(typeof e.detail?.code === 'string' ? { status_code: e.detail.code } : {}),
    message: `${e.action} ${e.outcome}${e.target ? ` on ${e.target}` : ''}${e.client_id ? ` by ${e.client_id}` : ''}`,
    metadata: {
      version: OCSF_VERSION,
      uid: e.id,
      sequence: e.seq,
      log_name: 'portcullis-audit',
      ...(e.run_id || e.request_id ? { correlation_uid: e.run_id ?? e.request_id } : {}),
      product: { name: 'portcullis', vendor_name: 'portcullis', version: productVersion },
    },
    unmapped: { portcullis: e },
  };
}

function directionOf(direction: string | undefined): Json {
  if (direction === 'ingress') return { direction_id: 1, direction: 'Inbound' };
  if (direction === 'egress') return { direction_id: 2, direction: 'Outbound' };
  return { direction_id: 0, direction: 'Unknown' };
}

function networkRemediation(e: AuditEvent, [activityId, activity]: [number, string], productVersion: string): Json {
  const rule = ruleOf(e);
  const protocol = rule.protocol && rule.protocol !== 'all' ? { protocol_name: rule.protocol } : {};
  return {
    ...base(e, productVersion),
    category_uid: 7,
    category_name: 'Remediation',
    class_uid: 7004,
    class_name: 'Network Remediation Activity',
    activity_id: activityId,
    activity_name: activity,
    type_uid: 700400 + activityId,
    type_name: `Network Remediation Activity: ${activity}`,
    // The run that asked for the change is the "command"; reconciler work without a run uses the event id.
    command_uid: e.run_id ?? e.id,
    connection_info: { ...directionOf(rule.direction), ...protocol },
    countermeasures: [
      {
        d3f_tactic: { name: activity, uid: `d3f:${activity}` },
        d3f_technique:
          e.action.startsWith('host.') ? { name: 'Network Isolation', uid: 'D3-NI' } : { name: 'Network Traffic Filtering', uid: 'D3-NTF' },
      },
    ],
  };
}

function apiCall(e: AuditEvent, productVersion: string): Json {
  const [activityId, activity] = apiActivity(e);
  const method = typeof e.detail?.method === 'string' ? e.detail.method : undefined;
  const path = typeof e.detail?.path === 'string' ? e.detail.path : undefined;
  return {
    ...base(e, productVersion),
    category_uid: 6,
    category_name: 'Application Activity',
    class_uid: 6003,
    class_name: 'API Activity',
    activity_id: activityId,
    activity_name: activity,
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
    // The caller's address is not recorded in audit events; the endpoint is named by the client id.
    src_endpoint: e.client_id ? { name: e.client_id, uid: e.client_id } : { name: 'portcullis' },
    ...(method && path ? { http_request: { http_method: method, url: { path } } } : {}),
    ...(e.target || e.run_id || e.playbook
      ? {
          resources: [
            ...(e.target ? [{ uid: e.target, type: 'firewall target' }] : []),
            ...(e.run_id ? [{ uid: e.run_id, type: 'run' }] : []),
            ...(e.playbook ? [{ name: e.playbook, type: 'playbook' }] : []),
          ],
        }
      : {}),
  };
}

/** One audit event as an OCSF 1.3.0 event object. */
export function toOcsf(e: AuditEvent, productVersion: string): Json {
  const remediation = remediationActivity(e);
  return remediation ? networkRemediation(e, remediation, productVersion) : apiCall(e, productVersion);
}

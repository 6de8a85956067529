/**
 * OCSF 1.3.0 output carries every attribute its class marks required. The lists come from the OCSF
 * schema definitions (ocsf/ocsf-schema: events/base_event.json + traits, events/application/api_activity.json,
 * events/remediation/remediation_activity.json + network_remediation_activity.json, objects/metadata.json,
 * objects/api.json, objects/network_connection_info.json), as of 1.3.0:
 * - every class:  activity_id, category_uid, class_uid, severity_id, time, type_uid, metadata
 *                 (metadata: product, version);
 * - 6003 API Activity: actor, api (api: operation), src_endpoint;
 * - 7004 Network Remediation Activity: command_uid, connection_info (connection_info: direction_id).
 */
import { describe, expect, it } from 'vitest';
import { OCSF_VERSION, toOcsf } from '../../src/audit/ocsf.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import { type TestApp, createTestApp } from '../support/app.ts';
import { auditorGet } from './support.ts';

const BASE_REQUIRED = ['activity_id', 'category_uid', 'class_uid', 'severity_id', 'time', 'type_uid', 'metadata', 'metadata.product', 'metadata.version'];
const CLASS_REQUIRED: Record<number, string[]> = {
  6003: ['actor', 'api', 'api.operation', 'src_endpoint'],
  7004: ['command_uid', 'connection_info', 'connection_info.direction_id'],
};

const at = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);

function missingRequired(ocsf: Record<string, unknown>): string[] {
  const required = [...BASE_REQUIRED, ...(CLASS_REQUIRED[ocsf.class_uid as number] ?? ['(unknown class)'])];
  return required.filter((p) => at(ocsf, p) === undefined || at(ocsf, p) === null || at(ocsf, p) === '');
}

let n = 0;
const event = (over: Partial<AuditEvent>): AuditEvent => ({
  seq: ++n,
  id: crypto.randomUUID(),
  time: '2026-01-01T00:00:00.000Z',
  prev_hash: '0'.repeat(64),
  hash: 'a'.repeat(64),
  action: 'run.accepted',
  outcome: 'success',
  ...over,
});

const rule = (action: 'deny' | 'allow', direction = 'ingress') => ({ action, direction, protocol: 'tcp', ports: [{ from: 22, to: 22 }], cidrs: ['203.0.113.7/32'] });

/** Every kind of event the service writes today (see the report for the list), and the class each maps to. */
const CASES: [string, AuditEvent, number, number][] = [
  ['run accepted', event({ action: 'run.accepted', client_id: 'soar', run_id: 'run_1', playbook: 'block-ip', request_id: 'req_1', detail: { action: 'block' } }), 6003, 1],
  ['request refused', event({ action: 'request.refused', outcome: 'refused', client_id: 'soar', detail: { method: 'POST', path: '/v1/x', code: 'scope_denied' } }), 6003, 1],
  ['refused without a client', event({ action: 'request.refused', outcome: 'refused', detail: { method: 'GET', path: '/v1/runs', code: 'token_invalid' } }), 6003, 2],
  ['replayed request', event({ action: 'request.replayed', client_id: 'soar', detail: { method: 'POST', path: '/v1/x' } }), 6003, 1],
  ['dry run', event({ action: 'run.dry_run', client_id: 'soar', playbook: 'block-ip' }), 6003, 99],
  ['config loaded', event({ action: 'config.loaded', detail: { sha256: 'x' } }), 6003, 99],
  ['block applied', event({ action: 'cloud.operation', target: 'aws/sg-1', detail: { op: 'create', rule: rule('deny'), calls: [] } }), 7004, 1],
  ['egress block updated', event({ action: 'cloud.operation', target: 'aws/sg-1', detail: { op: 'update', rule: rule('deny', 'egress') } }), 7004, 1],
  ['block removed', event({ action: 'cloud.operation', outcome: 'failure', target: 'aws/sg-1', detail: { op: 'delete', rule: rule('deny') } }), 7004, 3],
  ['allow rule created', event({ action: 'cloud.operation', target: 'aws/sg-1', detail: { op: 'create', rule: rule('allow') } }), 6003, 1],
  ['host quarantined', event({ action: 'host.quarantined', run_id: 'run_2', target: 'aws/edge', detail: { host: 'i-0abc' } }), 7004, 1],
  ['host released', event({ action: 'host.released', target: 'aws/edge', detail: { host: 'i-0abc' } }), 7004, 3],
  ['block expired', event({ action: 'intent.expired', run_id: 'run_1', target: 'aws/sg-1', detail: { cidr: '203.0.113.7/32' } }), 7004, 3],
  ['drift healed', event({ action: 'drift.healed', target: 'aws/sg-1', detail: { changes: 2 } }), 7004, 3],
  ['reconcile pass', event({ action: 'reconcile.pass', outcome: 'failure', target: 'aws/sg-1' }), 6003, 99],
];

describe(`OCSF ${OCSF_VERSION}: every required attribute of the class is present`, () => {
  for (const [name, e, classUid, activityId] of CASES) {
    it(`${name} → class ${classUid}, activity ${activityId}`, () => {
      const ocsf = toOcsf(e, '1.2.3');
      expect(ocsf.class_uid).toBe(classUid);
      expect(ocsf.activity_id).toBe(activityId);
      expect(missingRequired(ocsf)).toEqual([]);
      expect(ocsf.category_uid).toBe(Math.floor(classUid / 1000));
      expect(ocsf.type_uid).toBe(classUid * 100 + activityId);
      expect(at(ocsf, 'metadata.version')).toBe('1.3.0');
      expect(at(ocsf, 'metadata.uid')).toBe(e.id);
      expect(ocsf.time).toBe(Date.parse(e.time));
      expect(at(ocsf, 'unmapped.portcullis')).toEqual(e);
    });
  }

  it('the check itself fails when a required attribute is dropped', () => {
    const ocsf = toOcsf(CASES[6]?.[1] as AuditEvent, '1');
    delete ocsf.connection_info;
    expect(missingRequired(ocsf)).toEqual(['connection_info', 'connection_info.direction_id']);
  });
});

describe('OCSF through the API', () => {
  it('?format=ocsf and Accept: application/ocsf+json return OCSF events with the version', async () => {
    const t: TestApp = await createTestApp();
    try {
      await t.store.commit({ audit: [CASES[0]?.[1] as AuditEvent, CASES[6]?.[1] as AuditEvent].map(({ action, outcome, detail, target }) => ({ action, outcome, ...(target ? { target } : {}), ...(detail ? { detail } : {}) })) });
      for (const res of [await auditorGet(t, '/v1/audit/events?format=ocsf'), await auditorGet(t, '/v1/audit/events', { accept: 'application/ocsf+json' })]) {
        const body = (await res.json()) as { ocsf_version: string; events: Record<string, unknown>[] };
        expect(body.ocsf_version).toBe('1.3.0');
        expect(body.events.map((o) => o.class_uid)).toEqual([6003, 7004]);
        for (const o of body.events) expect(missingRequired(o)).toEqual([]);
      }
    } finally {
      t.dispose();
    }
  });
});

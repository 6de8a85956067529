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
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloudLookup } from '../../src/audit/ocsf-cloud.ts';
import { OCSF_VERSION, toOcsf } from '../../src/audit/ocsf.ts';
import type { Config } from '../../src/config/schema.ts';
import { filesRead, ocsfErrors } from './ocsf-schema.ts';
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
  ['reconcile pass settling runs', event({ action: 'reconcile.pass', target: 'aws/sg-1', detail: { runs: ['run_7', 'run_8'], changes: 2 } }), 6003, 99],
  ['quarantine of an unknown host', event({ action: 'host.quarantined', outcome: 'failure', target: 'aws/edge', detail: { host: 'i-0missing', error: { kind: 'not_found', code: 'InvalidInstanceID.NotFound', message: 'The instance ID does not exist' } } }), 7004, 1],
  ['refusal summary', event({ action: 'request.refused.summary', outcome: 'refused', source_address: '198.51.100.7', detail: { count: 97 } }), 6003, 99],
  ['signed call from an address', event({ action: 'run.accepted', client_id: 'soar', source_address: '2001:db8::5', request_id: 'req_2' }), 6003, 1],
];

const CLOUDS = cloudLookup([
  { id: 'aws', type: 'aws-ec2', simulator: true, region: 'eu-west-1', accountId: '123456789012' },
  { id: 'azure', type: 'azure-nsg', simulator: true, subscriptionId: '00000000-0000-0000-0000-000000000001' },
  { id: 'gcp', type: 'gcp-firewall', simulator: true, project: 'prod-123' },
] as Config['connectors']);

describe('OCSF 1.3.0: every event conforms to the schema files (test/fixtures/ocsf-1.3.0)', () => {
  for (const [name, e] of CASES) {
    it(`${name} has only attributes of its class, with the schema's types, enums and names`, () => {
      expect(ocsfErrors(toOcsf(e, '1.2.3'))).toEqual([]);
      expect(ocsfErrors(toOcsf(e, '1.2.3', CLOUDS))).toEqual([]);
    });
  }

  it('the schema check fails on what it must catch (an unknown attribute, a bad enum, a missing required, a wrong type_name)', () => {
    const ocsf = toOcsf(CASES[6]?.[1] as AuditEvent, '1') as Record<string, unknown> & { connection_info: Record<string, unknown> };
    ocsf.blocked_cidr = '203.0.113.7/32';
    ocsf.connection_info.direction_id = 7;
    ocsf.type_name = 'Network Remediation Activity: cloud.operation';
    delete ocsf.command_uid;
    expect(ocsfErrors(ocsf)).toEqual([
      'connection_info.direction_id: 7 is not one of 0, 1, 2, 3, 99',
      'blocked_cidr: not an attribute of this class/object in OCSF 1.3.0',
      'command_uid: required and missing',
      'type_name: "Network Remediation Activity: cloud.operation", the schema says "Network Remediation Activity: Isolate"',
    ]);
    expect(ocsfErrors({ ...toOcsf(CASES[0]?.[1] as AuditEvent, '1'), cloud: { provider: 'AWS' } })).toEqual([
      'cloud: belongs to the cloud profile, which metadata.profiles does not name',
    ]);
  });

  it('commits only the schema files the check reads', () => {
    const root = join(import.meta.dirname, '../fixtures/ocsf-1.3.0');
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [relative(root, join(dir, f))]));
    const committed = walk(root).filter((f) => f.endsWith('.json'));
    expect(committed.sort()).toEqual([...filesRead].sort());
  });
});

describe('OCSF carries what a SIEM needs', () => {
  const ocsf = (e: AuditEvent) => toOcsf(e, '1.2.3', CLOUDS) as Record<string, unknown>;

  it('a block: the CIDR as an observable, the change in remediation and connection_info, the cloud profile', () => {
    const block = ocsf(event({ action: 'cloud.operation', target: 'aws/sg-1', detail: { op: 'create', rule: { ...rule('deny'), cidrs: ['203.0.113.7/32', '198.51.100.0/24'] } } }));
    expect(block.observables).toEqual([
      { name: 'unmapped.portcullis.detail.rule.cidrs', type_id: 2, type: 'IP Address', value: '203.0.113.7' },
      { name: 'unmapped.portcullis.detail.rule.cidrs', type_id: 12, type: 'Subnet', value: '198.51.100.0/24' },
      { name: 'unmapped.portcullis.target', type_id: 10, type: 'Resource UID', value: 'aws/sg-1' },
    ]);
    expect(block.connection_info).toEqual({ direction_id: 1, direction: 'Inbound', protocol_name: 'tcp', protocol_num: 6 });
    expect(at(block, 'remediation.desc')).toBe('Isolate: deny ingress tcp port 22 203.0.113.7/32, 198.51.100.0/24 on aws/sg-1 (cloud.operation create, success)');
    expect(block.cloud).toEqual({ provider: 'AWS', region: 'eu-west-1', account: { uid: '123456789012' } });
    expect(at(block, 'metadata.profiles')).toEqual(['cloud']);
    expect(at(ocsf(event({ action: 'intent.expired', target: 'gcp/fw', detail: { cidr: '2001:db8::/48' } })), 'cloud')).toEqual({ provider: 'GCP', project_uid: 'prod-123' });
    expect(at(ocsf(event({ action: 'drift.healed', target: 'azure/nsg' })), 'cloud.account.uid')).toBe('00000000-0000-0000-0000-000000000001');
  });

  it('a reconcile pass is "API Activity: Other", linked to the runs it settled', () => {
    const pass = ocsf(CASES.find(([n]) => n === 'reconcile pass settling runs')?.[1] as AuditEvent);
    expect(pass).toMatchObject({ type_uid: 600399, type_name: 'API Activity: Other', activity_id: 99, activity_name: 'reconcile.pass' });
    expect(at(pass, 'metadata.correlation_uid')).toBe('run_7');
    expect(pass.resources).toEqual([
      { uid: 'aws/sg-1', type: 'firewall target' },
      { uid: 'run_7', type: 'run' },
      { uid: 'run_8', type: 'run' },
    ]);
  });

  it('a quarantine of a host that does not exist is status 3 "Does Not Exist"', () => {
    const q = ocsf(CASES.find(([n]) => n === 'quarantine of an unknown host')?.[1] as AuditEvent);
    expect(q).toMatchObject({ status_id: 3, status: 'Does Not Exist', status_detail: 'The instance ID does not exist' });
    expect(q.observables).toContainEqual({ name: 'unmapped.portcullis.detail.host', type_id: 10, type: 'Resource UID', value: 'i-0missing' });
  });

  it("a call's source address is src_endpoint.ip", () => {
    const call = ocsf(CASES.find(([n]) => n === 'signed call from an address')?.[1] as AuditEvent);
    expect(call.src_endpoint).toEqual({ ip: '2001:db8::5', name: 'soar', uid: 'soar' });
  });
});

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
        expect(res.headers.get('content-type')).toBe('application/ocsf+json');
        const body = (await res.json()) as { ocsf_version: string; events: Record<string, unknown>[] };
        expect(body.ocsf_version).toBe('1.3.0');
        expect(body.events.map((o) => o.class_uid)).toEqual([6003, 7004]);
        for (const o of body.events) expect(missingRequired(o)).toEqual([]);
        for (const o of body.events) expect(ocsfErrors(o)).toEqual([]);
      }
    } finally {
      t.dispose();
    }
  });
});

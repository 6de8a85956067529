/**
 * /metrics and GET /v1/reports/changes answer with figures from a test burst: blocks applied on the three
 * simulated clouds (auto-approved) and one allow that waits for a second person, with a fake clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_IP_CONNECTORS, type E2E, type RunBody, startE2E } from '../support/e2e.ts';
import { formatChangesReport } from '../../src/cli/report.ts';
import type { ChangesReport } from '../../src/metrics/report.ts';

let e: E2E;
let metrics: string;
const sample = (name: string, labels = '') => {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}` : ''}`) && (labels ? true : /^[^{ ]+ /.test(l)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

beforeAll(async () => {
  e = await startE2E();
  for (const ip of ['203.0.113.10', '203.0.113.11', '203.0.113.12']) {
    const { run } = await e.run('block-ip', { indicators: ip, ttl: '24h', reason: 'burst' });
    expect(run.status).toBe('applied');
    e.clock.advance(1000);
  }
  const res = await e.call('POST', '/v1/playbooks/allow-ingress/runs', { playbook: 'allow-ingress', inputs: { from: 'web', to: 'api', protocol: 'tcp', port: 9000 } });
  const waiting = (await res.json()) as RunBody;
  expect(waiting.status).toBe('pending_approval');
  e.clock.advance(90_000);
  const scrape = await e.call('GET', '/metrics', undefined, { client: 'operator' });
  expect(scrape.status).toBe(200);
  expect(scrape.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  metrics = await scrape.text();
});
afterAll(async () => {
  await e.close();
});

describe('GET /metrics', () => {
  it('counts the runs by approval and their lead time per connector', () => {
    expect(sample('portcullis_runs_total', 'playbook="block-ip",action="block",approval="auto"')).toBe(3);
    expect(sample('portcullis_runs_total', 'playbook="allow-ingress",action="allow",approval="manual"')).toBe(1);
    expect(BLOCK_IP_CONNECTORS).toEqual(expect.arrayContaining(['aws-sandbox', 'azure-sandbox', 'gcp-sandbox']));
    for (const connector of BLOCK_IP_CONNECTORS) {
      expect(sample('portcullis_change_lead_time_seconds_count', `playbook="block-ip",action="block",connector="${connector}"`)).toBe(3);
    }
    expect(sample('portcullis_run_lead_time_seconds_count', 'playbook="block-ip",action="block"')).toBe(3);
  });

  it('shows the backlog, cloud calls, passes, intents and the audit head', async () => {
    expect(sample('portcullis_pending_approvals')).toBe(1);
    expect(sample('portcullis_pending_approval_oldest_age_seconds')).toBe(90);
    expect(sample('portcullis_cloud_calls_total', 'connector="aws-sandbox"')).toBeGreaterThan(0);
    expect(sample('portcullis_reconcile_passes_total', 'connector="gcp-sandbox",outcome="success"')).toBeGreaterThanOrEqual(3);
    expect(sample('portcullis_reconcile_pass_duration_seconds_count', 'connector="azure-sandbox"')).toBeGreaterThanOrEqual(3);
    expect(sample('portcullis_intents', 'kind="deny",state="applied"')).toBe(3 * BLOCK_IP_CONNECTORS.length); // 3 blocks x block-ip's targets (ingress: the playbook default)
    expect(sample('portcullis_audit_head_seq')).toBe(await e.services.store.auditHeadSeq());
    expect(sample('portcullis_audit_last_checkpoint_age_seconds')).toBe(-1);
    expect(sample('portcullis_target_capacity_used_ratio', 'connector="aws-sandbox",target="edge"')).toBeGreaterThan(0);
  });

  it('observes the approval wait once a second person decides', async () => {
    const pending = (await (await e.call('GET', '/v1/runs?status=pending_approval')).json()) as { runs: RunBody[] };
    const id = pending.runs[0]?.id as string;
    e.clock.advance(30_000);
    expect((await e.call('POST', `/v1/runs/${id}/approve`, { run: id, decision: 'approve', comment: 'ok' }, { client: 'approver' })).status).toBe(200);
    await e.reconciler.idle();
    metrics = await (await e.call('GET', '/metrics', undefined, { client: 'operator' })).text();
    expect(sample('portcullis_approval_wait_seconds_sum', 'playbook="allow-ingress",decision="approved"')).toBe(120);
    expect(sample('portcullis_pending_approvals')).toBe(0);
  });

  it('needs the runs:read scope', async () => {
    const denied = await e.call('GET', '/metrics', undefined, { client: 'detector' });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { code: string }).code).toBe('scope_denied');
  });
});

describe('GET /v1/reports/changes', () => {
  it('gives lead time p50/p95 for the week, the auto-approved share and the backlog', async () => {
    const res = await e.call('GET', '/v1/reports/changes?weeks=2');
    expect(res.status).toBe(200);
    const report = (await res.json()) as {
      weeks: { week: string; runs_received: number; runs_applied: number; auto_approved_share: number; lead_time_seconds: { count: number; p50: number; p95: number } }[];
      totals: { runs_received: number; auto_approved_share: number; approval_wait_seconds: { p50: number } };
      backlog: { pending_approvals: number };
      by_connector: { connector: string }[];
    };
    expect(report.weeks).toHaveLength(1);
    expect(report.weeks[0]).toMatchObject({ week: '2026-W09', runs_received: 4, auto_approved_share: 0.75 });
    expect(report.weeks[0]?.runs_applied).toBeGreaterThanOrEqual(3);
    expect(report.weeks[0]?.lead_time_seconds.p50).toBeGreaterThanOrEqual(0);
    expect(report.weeks[0]?.lead_time_seconds.p95).toBeGreaterThanOrEqual(report.weeks[0]?.lead_time_seconds.p50 as number);
    expect(report.totals.approval_wait_seconds.p50).toBe(120);
    expect(report.backlog.pending_approvals).toBe(0);
    expect(report.by_connector.map((c) => c.connector)).toEqual([...BLOCK_IP_CONNECTORS].sort());
    expect((await e.call('GET', '/v1/reports/changes?weeks=99')).status).toBe(400);
    // `portcullis report changes` prints the same figures.
    const text = formatChangesReport(report as unknown as ChangesReport);
    expect(text).toMatch(/^ {2}2026-W09: 4 received, \d+ applied, auto 75%, lead time p50 /m);
    expect(text).toMatch(/approval wait: p50 2m, /);
    expect(text).toMatch(/backlog: 0 pending approval/);
  });
});

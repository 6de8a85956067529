import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type E2E, type RunBody, startE2E } from '../support/e2e.ts';

/**
 * Policy-as-code on allow requests, end to end: the shipped Cedar policies (playbooks/policies/)
 * decide allow-ingress runs; a run that needs approval waits for a second client (four eyes).
 */
let e: E2E;
beforeEach(async () => {
  e = await startE2E();
});
afterEach(async () => {
  await e.close();
});

const allowRules = async (connectorId: string) =>
  ((await e.connectors.get(connectorId)?.list('edge')) ?? []).filter((r) => r.owned && r.action === 'allow');

async function request(inputs: Record<string, unknown>) {
  const res = await e.call('POST', '/v1/playbooks/allow-ingress/runs', { playbook: 'allow-ingress', inputs });
  return { status: res.status, body: (await res.json()) as RunBody & { code?: string; detail?: string; decision?: { reasons: string[] } } };
}

const decide = (id: string, verb: 'approve' | 'reject', client: 'soar' | 'approver') =>
  e.call('POST', `/v1/runs/${id}/${verb}`, { run: id, decision: verb, comment: 'reviewed' }, { client });

describe('standard requests approve themselves', () => {
  it('applies tcp/443 from the web tier with no human', async () => {
    const { run } = await e.run('allow-ingress', { from: 'web', to: 'api', protocol: 'tcp', port: 443 });
    expect(run.status).toBe('applied');
    expect(await allowRules('azure-sandbox')).toHaveLength(1);
  });
});

describe('dangerous requests are refused with the policy reason', () => {
  for (const [port, source] of [
    [22, '0.0.0.0/0'],
    [3389, '0.0.0.0/0'],
    [5432, '203.0.113.0/24'],
    [6379, '::/0'],
  ] as const) {
    it(`refuses tcp/${port} from ${source}: 422 policy_denied, audited, nothing applied`, async () => {
      const { status, body } = await request({ from: source, to: 'api', protocol: 'tcp', port });
      expect(status).toBe(422);
      expect(body.code).toBe('policy_denied');
      expect(body.detail).toMatch(/policy denied/);
      await e.reconciler.idle();
      expect(await allowRules('azure-sandbox')).toEqual([]);
      const refusals = (await e.services.store.auditAfter(0, 1000)).filter((a) => a.action === 'request.refused');
      expect(refusals.at(-1)?.detail).toMatchObject({ code: 'policy_denied' });
    });
  }
});

describe('everything else waits for a second person', () => {
  it('holds tcp/9000 as pending_approval, applies nothing, then applies once another client approves', async () => {
    const { status, body } = await request({ from: 'web', to: 'api', protocol: 'tcp', port: 9000 });
    expect(status).toBe(202);
    expect(body.status).toBe('pending_approval');
    await e.reconciler.idle();
    expect(await allowRules('azure-sandbox')).toEqual([]);
    const pending = (await (await e.call('GET', '/v1/runs?status=pending_approval')).json()) as { runs: RunBody[] };
    expect(pending.runs.map((r) => r.id)).toEqual([body.id]);
    // No Cedar policy permits or forbids tcp/9000 from the web tier: the engine says why it waits.
    expect(pending.runs[0]?.decision).toEqual({
      decision: 'needs_approval',
      reasons: ['no auto-approve policy matches allow 10.0.1.0/24 tcp 9000 to tier api'],
      policies: [],
      requested_by: 'soar',
    });

    // Four eyes: the requester cannot approve its own run.
    const self = await decide(body.id, 'approve', 'soar');
    expect(self.status).toBe(403);
    expect(((await self.json()) as { code: string }).code).toBe('four_eyes');

    const approved = await decide(body.id, 'approve', 'approver');
    expect(approved.status).toBe(200);
    await e.reconciler.idle();
    const run = (await (await e.call('GET', `/v1/runs/${body.id}`)).json()) as RunBody & { decision: Record<string, unknown> };
    expect(run.status).toBe('applied');
    expect(run.decision.approved_by).toBe('approver');
    expect(await allowRules('azure-sandbox')).toHaveLength(1);

    // Decided once: a second decision is a 409.
    const again = await decide(body.id, 'reject', 'approver');
    expect(again.status).toBe(409);
    expect(((await again.json()) as { code: string }).code).toBe('run_not_pending');
    const actions = (await e.services.store.auditAfter(0, 1000)).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['run.pending_approval', 'run.approved']));
  });

  it('decides a run once even when approve and reject race: one 200, one 409, nothing applied twice', async () => {
    const { body } = await request({ from: 'web', to: 'api', protocol: 'tcp', port: 9003 });
    const [a, b] = await Promise.all([decide(body.id, 'approve', 'approver'), e.call('POST', `/v1/runs/${body.id}/reject`, { run: body.id, decision: 'reject' }, { client: 'operator' })]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const decisions = (await e.services.store.auditAfter(0, 1000)).filter((x) => x.run_id === body.id && /run\.(approved|rejected)/.test(x.action));
    expect(decisions).toHaveLength(1);
  });

  it('answers 409 when another process decided the run first (its run_decisions row wins), applying nothing', async () => {
    const { body } = await request({ from: 'web', to: 'api', protocol: 'tcp', port: 9005 });
    // Another replica's decision: committed to the shared store, not yet visible in this run's status.
    await e.services.store.commit({ runDecisions: [{ runId: body.id, decision: 'rejected', clientId: 'other-replica', at: e.clock.now() }], audit: [] });
    const res = await decide(body.id, 'approve', 'approver');
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe('run_not_pending');
    await e.reconciler.idle();
    expect(await allowRules('azure-sandbox')).toEqual([]);
    expect((await e.services.store.auditAfter(0, 1000)).filter((a) => a.action === 'run.approved')).toEqual([]);
  });

  it('refuses a signed body whose decision is not the one in the path (a /reject message sent to /approve)', async () => {
    const { body } = await request({ from: 'web', to: 'api', protocol: 'tcp', port: 9004 });
    const res = await e.call('POST', `/v1/runs/${body.id}/approve`, { run: body.id, decision: 'reject' }, { client: 'approver' });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/decision: the signed body says "reject" but the path is \/approve/);
    const run = (await (await e.call('GET', `/v1/runs/${body.id}`)).json()) as RunBody;
    expect(run.status).toBe('pending_approval');
  });

  it('a rejected run applies nothing', async () => {
    const { body } = await request({ from: 'web', to: 'api', protocol: 'tcp', port: 9001 });
    const rejected = await decide(body.id, 'reject', 'approver');
    expect(rejected.status).toBe(200);
    expect(((await rejected.json()) as RunBody).status).toBe('rejected');
    await e.reconciler.idle();
    expect(await allowRules('azure-sandbox')).toEqual([]);
  });

  it('approvals expire (fake clock): 409 approval_expired and the run is approval_expired', async () => {
    const { body } = await request({ from: 'web', to: 'api', protocol: 'tcp', port: 9002 });
    e.clock.advance(25 * 3_600_000);
    const late = await decide(body.id, 'approve', 'approver');
    expect(late.status).toBe(409);
    expect(((await late.json()) as { code: string }).code).toBe('approval_expired');
    const run = (await (await e.call('GET', `/v1/runs/${body.id}`)).json()) as RunBody;
    expect(run.status).toBe('approval_expired');
    expect(await allowRules('azure-sandbox')).toEqual([]);
  });
});

describe('cleanup as a normal run', () => {
  it('analysis flags an expired owned rule; the cleanup run waits for a second person, then removes it', async () => {
    await e.run('block-ip', { indicators: '203.0.113.40', ttl: '1h' });
    await e.run('block-ip', { indicators: '203.0.113.90', ttl: '30d', direction: 'egress' });
    e.clock.advance(2 * 3_600_000);
    const analysis = (await (await e.call('GET', '/v1/connectors/gcp-sandbox/analysis?target=edge')).json()) as {
      findings: { kind: string; rules: { owned: boolean }[] }[];
    };
    expect(analysis.findings.some((f) => f.kind === 'expired' && f.rules[0]?.owned)).toBe(true);

    const body = { playbook: 'cleanup-rules', inputs: { connector: 'gcp-sandbox', target: 'edge', kinds: ['expired'] } };
    expect((await e.call('POST', '/v1/playbooks/cleanup-rules/runs', body)).status).toBe(403);
    const res = await e.call('POST', '/v1/playbooks/cleanup-rules/runs', body, { client: 'operator' });
    expect(res.status).toBe(202);
    const run = (await res.json()) as RunBody;
    expect(run.status).toBe('pending_approval');
    const denyCidrs = async () =>
      ((await e.connectors.get('gcp-sandbox')?.list('edge')) ?? []).filter((r) => r.owned && r.action === 'deny').flatMap((r) => r.cidrs);
    expect(await denyCidrs()).toContain('203.0.113.40/32');

    expect((await decide(run.id, 'approve', 'approver')).status).toBe(200);
    await e.reconciler.idle();
    expect(await denyCidrs()).not.toContain('203.0.113.40/32');
    expect(await denyCidrs()).toContain('203.0.113.90/32');
    const settled = (await (await e.call('GET', `/v1/runs/${run.id}`)).json()) as RunBody;
    expect(settled.status).toBe('applied');
  });
});

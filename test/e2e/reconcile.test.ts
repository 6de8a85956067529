import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BLOCK_IP_CONNECTORS, type E2E, SANDBOX_CONNECTORS, startE2E } from '../support/e2e.ts';

let e: E2E;
beforeEach(async () => {
  e = await startE2E();
});
afterEach(async () => {
  await e.close();
});

const denyCidrs = async (connectorId: string) =>
  ((await e.connectors.get(connectorId)?.list('edge')) ?? []).filter((r) => r.owned && r.action === 'deny').flatMap((r) => r.cidrs);

// Odd addresses only: no two are siblings, so no two merge into one prefix (each needs its own room).
const ip = (n: number) => `203.0.${Math.floor(n / 100) + 1}.${2 * (n % 100) + 1}`;

async function auditActions(): Promise<{ action: string; outcome: string; target?: string; detail?: Record<string, unknown> }[]> {
  return e.services.store.auditAfter(0, 100_000);
}

describe('coalescing', () => {
  it('turns a burst of 200 block calls into a few cloud writes per target, losing none', async () => {
    const writesBefore = { azure: e.sims.azure.controls.writeCalls(), gcp: e.sims.gcp.controls.writeCalls() };
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) => e.call('POST', '/v1/playbooks/block-ip/runs', { playbook: 'block-ip', inputs: { indicators: ip(i) } })),
    );
    expect(responses.every((r) => r.status === 202)).toBe(true);
    await e.reconciler.idle();
    // Azure holds all 200 in one rule: a handful of PUTs for the whole burst, not 200.
    expect(e.sims.azure.controls.writeCalls() - writesBefore.azure).toBeLessThanOrEqual(10);
    expect(e.sims.gcp.controls.writeCalls() - writesBefore.gcp).toBeLessThanOrEqual(10);
    const wanted = Array.from({ length: 200 }, (_, i) => `${ip(i)}/32`).sort();
    expect((await denyCidrs('azure-sandbox')).sort()).toEqual(wanted);
    expect((await denyCidrs('gcp-sandbox')).sort()).toEqual(wanted);
    expect((await denyCidrs('cloudflare-sandbox')).sort()).toEqual(wanted);
    // An AWS network ACL holds 20 entries per direction, including the default rule and (in the seed) one
    // foreign allow-all: 18 blocks fit; the AWS target's chain holds the other 182 in the WAF IP set, none
    // lost and none refused (the NACL alone refusing them: reconcile-capacity.test.ts).
    const aws = await denyCidrs('aws-sandbox');
    expect(aws.length).toBe(18);
    const waf = await denyCidrs('aws-waf-sandbox');
    expect(waf.length).toBe(182);
    expect([...aws, ...waf].sort()).toEqual(wanted);
    const blocks = (await (await e.call('GET', '/v1/blocks?limit=1000')).json()) as {
      blocks: { cidr: string; targets: { connector: string; state: string; error: string | null; points: string[] }[] }[];
    };
    const awsStates = blocks.blocks.map((b) => b.targets.find((t) => t.connector === 'aws-sandbox'));
    expect(awsStates.filter((t) => t?.state === 'applied')).toHaveLength(200);
    expect(awsStates.filter((t) => t?.points.join() === 'aws-sandbox/edge')).toHaveLength(18);
    expect(awsStates.filter((t) => t?.points.join() === 'aws-waf-sandbox/edge')).toHaveLength(182);
  });
});

describe('expiry', () => {
  it('removes a block when its ttl ends (fake clock) and records the expiry', async () => {
    await e.run('block-ip', { indicators: '203.0.113.20', ttl: '1h' });
    expect(await denyCidrs('azure-sandbox')).toContain('203.0.113.20/32');
    e.clock.advance(59 * 60_000);
    expect(await e.reconciler.sweepExpiries()).toBe(0);
    e.clock.advance(2 * 60_000);
    expect(await e.reconciler.sweepExpiries()).toBe(BLOCK_IP_CONNECTORS.length);
    await e.reconciler.idle();
    for (const c of BLOCK_IP_CONNECTORS) expect(await denyCidrs(c)).not.toContain('203.0.113.20/32');
    const expired = (await auditActions()).filter((a) => a.action === 'intent.expired');
    expect(expired.map((a) => a.target).sort()).toEqual(BLOCK_IP_CONNECTORS.map((c) => `${c}/edge`).sort());
    expect(BLOCK_IP_CONNECTORS).toEqual(expect.arrayContaining(['aws-sandbox', 'azure-sandbox', 'gcp-sandbox']));
    expect(((await (await e.call('GET', '/v1/blocks')).json()) as { blocks: unknown[] }).blocks).toEqual([]);
  });
});

describe('drift', () => {
  it('restores an owned rule deleted out of band, records it, and never touches a foreign rule', async () => {
    await e.run('block-ip', { indicators: '203.0.113.30' });
    const azure = e.connectors.get('azure-sandbox');
    const mine = ((await azure?.list('edge')) ?? []).find((r) => r.owned && r.cidrs.includes('203.0.113.30/32'));
    expect(mine?.cloudId).toBeTruthy();
    const foreignBefore = ((await azure?.list('edge')) ?? []).filter((r) => !r.owned);
    await e.sims.azure.controls.deleteOutOfBand('nsg-web', mine?.cloudId ?? '');
    expect(await denyCidrs('azure-sandbox')).not.toContain('203.0.113.30/32');

    await e.reconciler.healAll();
    expect(await denyCidrs('azure-sandbox')).toContain('203.0.113.30/32');
    const healed = (await auditActions()).filter((a) => a.action === 'drift.healed');
    expect(healed.map((a) => a.target)).toEqual(['azure-sandbox/edge']);
    expect(((await azure?.list('edge')) ?? []).filter((r) => !r.owned)).toEqual(foreignBefore);
  });
});

describe('guardrails and bad input: 4xx problem, audited, nothing applied', () => {
  const cases: [string, Record<string, unknown>, number, string, RegExp][] = [
    ['a private address', { indicators: '10.1.2.3' }, 422, 'guardrail_refused', /refuseReserved.*10\.0\.0\.0\/8/],
    ['our management range', { indicators: '198.51.100.77' }, 422, 'guardrail_refused', /neverBlock.*198\.51\.100\.0\/24/],
    ['a prefix wider than /16', { indicators: '203.0.0.0/8' }, 422, 'guardrail_refused', /widestPrefix.*\/16/],
    ['a ttl over the maximum', { indicators: '203.0.113.1', ttl: '90d' }, 422, 'guardrail_refused', /maxTtl/],
    ['our management range written as NAT64', { indicators: '64:ff9b::c633:6407' }, 422, 'guardrail_refused', /refuseReserved.*64:ff9b::\/96/],
    ['a ttl beyond ten years', { indicators: '203.0.113.1', ttl: '9999999d' }, 422, 'validation_failed', /inputs\.ttl/],
    ['an input that is not an address', { indicators: 'evil.example' }, 422, 'validation_failed', /inputs\.indicators.*not an IPv4\/IPv6/],
    ['an unknown input', { indicators: '203.0.113.1', colour: 'red' }, 422, 'validation_failed', /colour/],
  ];
  for (const [name, inputs, status, code, detail] of cases) {
    it(`refuses ${name}`, async () => {
      const writes = [e.sims.aws, e.sims.azure, e.sims.gcp].map((s) => s.controls.writeCalls());
      const res = await e.call('POST', '/v1/playbooks/block-ip/runs', { playbook: 'block-ip', inputs });
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const body = (await res.json()) as { code: string; detail: string; request_id: string };
      expect(body.code).toBe(code);
      expect(body.detail).toMatch(detail);
      await e.reconciler.idle();
      expect([e.sims.aws, e.sims.azure, e.sims.gcp].map((s) => s.controls.writeCalls())).toEqual(writes);
      expect(((await (await e.call('GET', '/v1/runs')).json()) as { runs: unknown[] }).runs).toEqual([]);
      const refusal = (await auditActions()).find((a) => a.action === 'request.refused' && (a as { request_id?: string }).request_id === body.request_id);
      expect(refusal?.detail).toMatchObject({ code });
    });
  }

  it('answers 404 for an unknown playbook, and 422 when the body names another playbook', async () => {
    const unknown = await e.call('POST', '/v1/playbooks/nope/runs', { playbook: 'nope', inputs: {} });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('playbook_not_found');
    const mismatch = await e.call('POST', '/v1/playbooks/block-ip/runs', { playbook: 'unblock-ip', inputs: { indicators: '203.0.113.1' } });
    expect(mismatch.status).toBe(422);
    expect(((await mismatch.json()) as { code: string }).code).toBe('playbook_mismatch');
  });

  it('refuses an unknown tier for allow-ingress', async () => {
    const res = await e.call('POST', '/v1/playbooks/allow-ingress/runs', { playbook: 'allow-ingress', inputs: { from: 'web', to: 'payments', port: 443 } });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { code: string; detail: string }).detail).toMatch(/unknown tier "payments"/);
  });
});

describe('signed, idempotent runs', () => {
  it('replays a run for the same Idempotency-Key, refuses it with another payload, and never runs twice', async () => {
    const body = { playbook: 'block-ip', inputs: { indicators: '203.0.113.61' } };
    const first = await e.call('POST', '/v1/playbooks/block-ip/runs', body, { headers: { 'idempotency-key': 'soar-retry-1' } });
    expect(first.status).toBe(202);
    const again = await e.call('POST', '/v1/playbooks/block-ip/runs', body, { headers: { 'idempotency-key': 'soar-retry-1' } });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotency-replayed')).toBe('true');
    expect(((await again.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
    const other = await e.call('POST', '/v1/playbooks/block-ip/runs', { ...body, inputs: { indicators: '203.0.113.62' } }, { headers: { 'idempotency-key': 'soar-retry-1' } });
    expect(other.status).toBe(422);
    expect(((await other.json()) as { code: string }).code).toBe('idempotency_key_mismatch');
    await e.reconciler.idle();
    const runs = (await (await e.call('GET', '/v1/runs')).json()) as { runs: unknown[] };
    expect(runs.runs).toHaveLength(1);
  });
});

describe('connectors', () => {
  it('lists connectors and checks credentials and permissions on every cloud (admin, audited)', async () => {
    const list = (await (await e.call('GET', '/v1/connectors')).json()) as { connectors: { id: string; targets: string[] }[] };
    expect(list.connectors.map((c) => `${c.id}:${c.targets.join(',')}`)).toEqual(SANDBOX_CONNECTORS);
    expect(SANDBOX_CONNECTORS).toEqual(expect.arrayContaining(['aws-sandbox:edge', 'azure-sandbox:edge', 'gcp-sandbox:edge']));
    expect((await e.call('POST', '/v1/connectors/aws-sandbox/check', { connector: 'aws-sandbox' })).status).toBe(403);
    const awsActions = ['CreateNetworkAclEntry', 'ReplaceNetworkAclEntry', 'DeleteNetworkAclEntry', 'AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'RevokeSecurityGroupIngress', 'RevokeSecurityGroupEgress', 'CreateSecurityGroup', 'CreateTags', 'DeleteTags', 'ModifyNetworkInterfaceAttribute'];
    const expectedChecks: Record<string, string[]> = {
      'aws-sandbox': [
        'network ACL acl-0a1b2c3d4e5f60001 exists in vpc-0a1b2c3d4e5f60001',
        'rule-number band 100-199 is evaluated before any allow-all entry',
        'security group sg-0a1b2c3d4e5f60001 exists in vpc-0a1b2c3d4e5f60001',
        'may call DescribeSecurityGroupRules',
        'may call DescribeNetworkInterfaces',
        ...awsActions.map((action) => `may call ${action} (DryRun)`),
      ],
      'azure-sandbox': ['nsg.read', 'nsg.capacity', 'band.free', 'networkInterfaces.read'],
      'gcp-sandbox': [
        'network default exists (compute.networks.get)',
        'firewall rules can be listed (compute.firewalls.list)',
        'quarantine zone us-central1-a exists (compute.zones.get)',
      ],
    };
    for (const [id, names] of Object.entries(expectedChecks)) {
      const res = await e.call('POST', `/v1/connectors/${id}/check`, { connector: id }, { client: 'operator' });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { connector: string; ok: boolean; targets: { target: string; ok: boolean; checks: { name: string; ok: boolean }[] }[] };
      expect(body).toMatchObject({ connector: id, ok: true });
      expect(body.targets.map((t) => [t.target, t.ok])).toEqual([['edge', true]]);
      expect(body.targets[0]?.checks.map((c) => [c.name, c.ok])).toEqual(names.map((name) => [name, true]));
    }
    const checked = (await e.services.store.auditAfter(0, 10_000)).filter((a) => a.action === 'connector.checked');
    expect(checked).toHaveLength(3);
  });
});

describe('run API', () => {
  it('filters by derived status across more runs than one scan holds, and a short page means no more', async () => {
    await e.run('block-ip', { indicators: ip(0) }); // the oldest: applied everywhere
    e.clock.advance(1000);
    e.sims.gcp.controls.failNext(100_000, 500);
    // 60 newer runs that GCP refuses: partially_applied. The filter must look past all of them.
    await Promise.all(Array.from({ length: 60 }, (_, i) => e.call('POST', '/v1/playbooks/block-ip/runs', { playbook: 'block-ip', inputs: { indicators: ip(i + 1) } })));
    await e.reconciler.idle();
    const applied = (await (await e.call('GET', '/v1/runs?status=applied&limit=5')).json()) as { runs: { inputs: { indicators: string } }[]; next_cursor: string | null };
    expect(applied.runs.map((r) => r.inputs.indicators)).toEqual([ip(0)]);
    expect(applied.next_cursor).toBeNull();
    const partial = (await (await e.call('GET', '/v1/runs?status=partially_applied&limit=50')).json()) as { runs: unknown[]; next_cursor: string };
    expect(partial.runs).toHaveLength(50);
    const rest = (await (await e.call('GET', `/v1/runs?status=partially_applied&limit=50&cursor=${partial.next_cursor}`)).json()) as { runs: unknown[] };
    expect(rest.runs).toHaveLength(10);
  });

  it('lists the playbooks a SOAR author can call, with their inputs', async () => {
    const body = (await (await e.call('GET', '/v1/playbooks')).json()) as { playbooks: { name: string; inputs: string[]; approval: string }[] };
    expect(body.playbooks.map((p) => p.name).sort()).toEqual(
      ['adopt-rules', 'allow-ingress', 'block-ip', 'cleanup-rules', 'quarantine-host', 'release-host', 'revoke-allow', 'unblock-ip'],
    );
    expect(body.playbooks.find((p) => p.name === 'block-ip')?.inputs).toContain('indicators');
    expect(body.playbooks.find((p) => p.name === 'allow-ingress')?.approval).toBe('policy');
    expect(body.playbooks.find((p) => p.name === 'adopt-rules')).toMatchObject({ approval: 'manual', inputs: ['connector', 'target', 'rules', 'reason', 'ticket'] });
  });

  it('lists runs newest first with a cursor and filters', async () => {
    for (let i = 0; i < 3; i++) {
      await e.run('block-ip', { indicators: ip(i) });
      e.clock.advance(1000);
    }
    await e.run('unblock-ip', { indicators: ip(0) });
    const page1 = (await (await e.call('GET', '/v1/runs?limit=2')).json()) as { runs: { playbook: string }[]; next_cursor: string };
    expect(page1.runs.map((r) => r.playbook)).toEqual(['unblock-ip', 'block-ip']);
    const page2 = (await (await e.call('GET', `/v1/runs?limit=2&cursor=${page1.next_cursor}`)).json()) as { runs: unknown[]; next_cursor: string | null };
    expect(page2.runs).toHaveLength(2);
    const filtered = (await (await e.call('GET', '/v1/runs?playbook=unblock-ip&status=applied')).json()) as { runs: unknown[] };
    expect(filtered.runs).toHaveLength(1);
    const bad = await e.call('GET', '/v1/runs?cursor=garbage');
    expect(bad.status).toBe(400);
  });
});

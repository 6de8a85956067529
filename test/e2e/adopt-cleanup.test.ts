/**
 * Adopt, then clean (issue 15 part 4) through the HTTP API on the three simulated clouds: foreign rules
 * are adopted with no change in effect (four eyes, audited), then cleanup-rules kinds unused and narrow,
 * judged from the target's flow logs, retire the unused one and narrow the wide one to the sources used.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedRule } from '../../src/connectors/types.ts';
import { type E2E, type RunBody, startE2E } from '../support/e2e.ts';

const DAY = 86_400_000;
const START = Date.parse('2026-02-01T00:00:00Z');
const DAYS = 20;
const USED = ['192.0.2.10', '203.0.113.77'];

interface Cloud {
  connector: string;
  resource: string;
  wide: NormalizedRule;
  unused: NormalizedRule;
  log(dir: string, wideId: string): string;
}

const foreign = (placement: NormalizedRule['placement'], over: Partial<NormalizedRule>): NormalizedRule => ({
  direction: 'ingress',
  action: 'allow',
  protocol: 'tcp',
  ports: [{ from: 443, to: 443 }],
  cidrs: ['0.0.0.0/0'],
  priority: 0,
  placement,
  owned: false,
  ...over,
});

const days = Array.from({ length: DAYS }, (_, d) => START + d * DAY);

// AWS VPC Flow Logs v2 (default format): the SG rule is found by evaluating the flow against the rules.
function awsLog(dir: string): string {
  const lines = ['version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'];
  for (const t of days) for (const src of USED) lines.push(`2 123456789012 eni-0a1b2c3d4e5f60001 ${src} 10.0.1.5 40000 443 6 4 900 ${t / 1000} ${t / 1000 + 60} ACCEPT OK`);
  const path = join(dir, 'aws.log');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

// Azure VNet flow logs (flowRecords.flows[].flowGroups[].rule names the rule as UserRule_<name>).
function azureLog(dir: string, rule: string): string {
  const tuples = days.flatMap((t) => USED.map((src) => `${t},${src},10.0.0.6,23956,443,6,I,B,NX,0,0,0,0`));
  const doc = {
    records: [
      {
        time: new Date(START).toISOString(),
        flowLogVersion: 4,
        category: 'FlowLogFlowEvent',
        operationName: 'FlowLogFlowEvent',
        flowRecords: { flows: [{ aclID: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee', flowGroups: [{ rule: `UserRule_${rule}`, flowTuples: tuples }] }] },
      },
    ],
  };
  const path = join(dir, 'azure.json');
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

// GCP Firewall Rules Logging entries (jsonPayload.rule_details.reference names the firewall).
function gcpLog(dir: string, rule: string): string {
  const entries = days.flatMap((t, d) =>
    USED.map((src, k) =>
      JSON.stringify({
        insertId: `e-${d}-${k}`,
        jsonPayload: {
          connection: { src_ip: src, src_port: 53342, dest_ip: '10.128.0.5', dest_port: 443, protocol: 6 },
          disposition: 'ALLOWED',
          rule_details: { reference: `network:default/firewall:${rule}`, priority: 900, action: 'ALLOW', direction: 'INGRESS' },
          vpc: { project_id: 'portcullis-sandbox', vpc_name: 'default' },
        },
        timestamp: new Date(t).toISOString(),
      }),
    ),
  );
  const path = join(dir, 'gcp.ndjson');
  writeFileSync(path, `${entries.join('\n')}\n`);
  return path;
}

const CLOUDS: Cloud[] = [
  {
    connector: 'aws-sandbox',
    resource: 'sg-0a1b2c3d4e5f60001',
    wide: foreign('sg', { description: 'legacy https' }),
    unused: foreign('sg', { ports: [{ from: 8080, to: 8080 }], cidrs: ['198.51.100.0/24'], description: 'old admin' }),
    log: (dir) => awsLog(dir),
  },
  {
    connector: 'azure-sandbox',
    resource: 'nsg-web',
    // Outside portcullis's band (100-999): adoption keeps the priority, so the evaluation order stays.
    wide: foreign('nsg', { cloudId: 'legacy-https', priority: 1200 }),
    unused: foreign('nsg', { cloudId: 'legacy-admin', priority: 1210, ports: [{ from: 8080, to: 8080 }], cidrs: ['198.51.100.0/24'] }),
    log: (dir, id) => azureLog(dir, id),
  },
  {
    connector: 'gcp-sandbox',
    resource: 'default',
    wide: foreign('firewall', { cloudId: 'legacy-https', priority: 900 }),
    unused: foreign('firewall', { cloudId: 'legacy-admin', priority: 900, ports: [{ from: 8080, to: 8080 }], cidrs: ['198.51.100.0/24'] }),
    log: (dir, id) => gcpLog(dir, id),
  },
];

let e: E2E;
const logPaths = new Map<string, string>();
beforeAll(async () => {
  e = await startE2E({
    extraConfig: (dir) => {
      const entries = CLOUDS.map((c) => {
        const path = c.log(dir, c.wide.cloudId ?? '');
        logPaths.set(c.connector, path);
        return `  - { connector: ${c.connector}, target: edge, files: [${JSON.stringify(path)}] }`;
      });
      return `flowLogs:\n${entries.join('\n')}\n`;
    },
  });
  e.clock.advance(Math.max(0, START + DAYS * DAY - e.clock.now()));
});
afterAll(() => e.close());

const listed = async (connector: string) => (await e.connectors.get(connector)?.list('edge')) ?? [];
const byPorts = (rules: NormalizedRule[], port: number) => rules.filter((r) => r.action === 'allow' && r.ports[0]?.from === port && r.direction === 'ingress');
const decide = (id: string, verb: 'approve' | 'reject', client: 'soar' | 'approver' | 'operator') =>
  e.call('POST', `/v1/runs/${id}/${verb}`, { run: id, decision: verb, comment: 'reviewed' }, { client });
const request = async (playbook: string, inputs: Record<string, unknown>) => {
  const res = await e.call('POST', `/v1/playbooks/${playbook}/runs`, { playbook, inputs }, { client: 'operator' });
  return { status: res.status, body: (await res.json()) as RunBody & { code?: string; detail?: string } };
};
const settled = async (id: string) => {
  await e.reconciler.idle();
  return (await (await e.call('GET', `/v1/runs/${id}`)).json()) as RunBody;
};

describe.each(CLOUDS)('adopt, then clean on $connector', (cloud) => {
  it('adopts the foreign rules with no change in effect, then retires the unused one and narrows the wide one', async () => {
    await e.sims[cloud.connector.split('-')[0] as 'aws' | 'azure' | 'gcp'].controls.addForeignRule(cloud.resource, cloud.wide);
    await e.sims[cloud.connector.split('-')[0] as 'aws' | 'azure' | 'gcp'].controls.addForeignRule(cloud.resource, cloud.unused);
    const before = await listed(cloud.connector);
    const wide = byPorts(before, 443)[0] as NormalizedRule;
    const unused = byPorts(before, 8080)[0] as NormalizedRule;
    expect([wide.owned, unused.owned]).toEqual([false, false]);

    // Refusals name the rule and why, and leave nothing behind.
    const missing = await request('adopt-rules', { connector: cloud.connector, target: 'edge', rules: ['no-such-rule'] });
    expect(missing.status).toBe(422);
    expect(missing.body.code).toBe('not_adoptable');
    expect(missing.body.detail).toMatch(/rules\[0\]: .*has no rule "no-such-rule"/);
    const notYet = await request('cleanup-rules', { connector: cloud.connector, target: 'edge', kinds: ['unused'] });
    expect(notYet.status).toBe(202); // nothing of ours is unused yet: the foreign rules are only reported
    await decide(notYet.body.id, 'approve', 'approver');
    expect((await listed(cloud.connector)).length).toBe(before.length);

    // adopt-rules: always a second person.
    const adopt = await request('adopt-rules', { connector: cloud.connector, target: 'edge', rules: [wide.cloudId, unused.cloudId], reason: 'legacy cleanup' });
    expect(adopt.status).toBe(202);
    expect(adopt.body.status).toBe('pending_approval');
    // What the approver sees before deciding: no cloud operation besides the marking.
    const preview = (await (await e.call('GET', `/v1/runs/${adopt.body.id}/preview`, undefined, { client: 'approver' })).json()) as { targets: { operations: unknown[] }[] };
    expect(preview.targets.map((t) => t.operations)).toEqual([[]]);
    expect((await decide(adopt.body.id, 'approve', 'operator')).status).toBe(403);
    expect((await decide(adopt.body.id, 'approve', 'approver')).status).toBe(200);
    expect((await settled(adopt.body.id)).status).toBe('applied');
    const adopted = await listed(cloud.connector);
    for (const rule of [wide, unused]) {
      const now = adopted.find((r) => r.cloudId === rule.cloudId);
      // Same rule (same cloud id), same match, prefixes and priority; now carrying the marker.
      expect(now).toMatchObject({ owned: true, cidrs: rule.cidrs, ports: rule.ports, priority: rule.priority, protocol: rule.protocol });
    }
    expect(adopted.length).toBe(before.length);
    const audit = await e.services.store.auditAfter(0, 10_000);
    const marks = audit.filter((a) => a.action === 'rule.adopted' && a.target === `${cloud.connector}/edge`);
    expect(marks.map((a) => a.outcome)).toEqual(['success', 'success']);
    expect(marks.every((a) => a.run_id === adopt.body.id)).toBe(true);
    // The adoption pass wrote nothing but the markers.
    const adoptOps = audit.filter((a) => a.action === 'cloud.operation' && a.run_id === adopt.body.id);
    expect(adoptOps).toEqual([]);
    // Adopting an owned rule again is refused, naming it.
    const again = await request('adopt-rules', { connector: cloud.connector, target: 'edge', rules: [wide.cloudId] });
    expect(again.status).toBe(422);
    expect(again.body.detail).toMatch(/already owned/);

    // cleanup-rules unused + narrow from the flow logs, through approval and the reconciler.
    const cleanup = await request('cleanup-rules', { connector: cloud.connector, target: 'edge', kinds: ['unused', 'narrow'], ticket: 'CHG-15' });
    expect(cleanup.status).toBe(202);
    expect(cleanup.body.status).toBe('pending_approval');
    expect((await listed(cloud.connector)).find((r) => r.cloudId === unused.cloudId)).toBeDefined();
    expect((await decide(cleanup.body.id, 'approve', 'approver')).status).toBe(200);
    expect((await settled(cleanup.body.id)).status).toBe('applied');
    const after = await listed(cloud.connector);
    expect(byPorts(after, 8080)).toEqual([]);
    const narrowed = byPorts(after, 443);
    expect(narrowed).toHaveLength(1);
    expect([...(narrowed[0]?.cidrs ?? [])].sort()).toEqual(['192.0.2.0/24', '203.0.113.0/24']);
    expect(narrowed[0]?.priority).toBe(wide.priority);
    const accepted = audit.length ? (await e.services.store.auditAfter(0, 10_000)).find((a) => a.run_id === cleanup.body.id && a.action === 'run.pending_approval') : undefined;
    expect(accepted?.detail).toMatchObject({ kinds: ['unused', 'narrow'], narrowed: [expect.objectContaining({ to: expect.objectContaining({ cidrs: ['192.0.2.0/24', '203.0.113.0/24'] }) })] });
  });
});

describe('refusals', () => {
  it('an adopt playbook must wait for a second person', async () => {
    const { playbookSchema } = await import('../../src/playbooks/schema.ts');
    const parsed = playbookSchema.safeParse({ name: 'adopt-auto', description: 'x', action: 'adopt', approval: 'auto', targets: [{ connector: 'aws-sandbox', target: '*' }] });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toMatch(/approval must be manual/);
  });

  it('the AWS default NACL entries cannot be adopted, and the refusal is audited', async () => {
    const nacl = (await listed('aws-sandbox')).find((r) => r.placement === 'nacl' && !r.owned);
    const res = await request('adopt-rules', { connector: 'aws-sandbox', target: 'edge', rules: [nacl?.cloudId] });
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/kept by the cloud itself|outside portcullis's rule-number band/);
    const audit = await e.services.store.auditAfter(0, 10_000);
    expect(audit.some((a) => a.action === 'request.refused' && a.outcome === 'refused' && JSON.stringify(a.detail ?? {}).includes('not_adoptable'))).toBe(true);
  });

  it('a rule deleted before the adoption is approved: the approval is refused naming it (planned again), and no copy is created', async () => {
    await e.sims.gcp.controls.addForeignRule('default', foreign('firewall', { cloudId: 'legacy-gone', priority: 950, ports: [{ from: 9000, to: 9000 }] }));
    const adopt = await request('adopt-rules', { connector: 'gcp-sandbox', target: 'edge', rules: ['legacy-gone'] });
    expect(adopt.status).toBe(202);
    await e.sims.gcp.controls.deleteOutOfBand('default', 'legacy-gone');
    const approval = await decide(adopt.body.id, 'approve', 'approver');
    expect(approval.status).toBe(422);
    const problem = (await approval.json()) as { code: string; detail: string };
    expect(problem.code).toBe('not_adoptable');
    expect(problem.detail).toMatch(/rules\[0\]: gcp-sandbox\/edge has no rule "legacy-gone"/);
    expect((await settled(adopt.body.id)).status).toBe('pending_approval');
    expect(byPorts(await listed('gcp-sandbox'), 9000)).toEqual([]);
  });

  it('unused and narrow need flow logs for the target', async () => {
    const bare = await startE2E();
    try {
      const res = await bare.call('POST', '/v1/playbooks/cleanup-rules/runs', { playbook: 'cleanup-rules', inputs: { connector: 'gcp-sandbox', target: 'edge', kinds: ['unused'] } }, { client: 'operator' });
      expect(res.status).toBe(422);
      const body = (await res.json()) as { code: string; detail: string };
      expect(body.code).toBe('traffic_unavailable');
      expect(body.detail).toMatch(/no flow logs are configured for gcp-sandbox\/edge/);
    } finally {
      await bare.close();
    }
  });
});

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsWafv2 } from '../../connectors/aws-wafv2/index.ts';
import type { WafSimulator } from '../../connectors/aws-wafv2/simulator/index.ts';
import { type E2E, startE2E } from '../support/e2e.ts';

/**
 * The AWS WAF connector end to end through the HTTP API: signed call → intents → reconciler → the real
 * @aws-sdk/client-wafv2 → the WAF simulator (msw), next to the AWS EC2 target of the same playbooks.
 */
const WAF_CONNECTOR = `  - id: waf-sandbox
    type: aws-wafv2
    region: us-east-1
    credentials: { source: simulator }
    targets:
      - id: edge
        webAcl: edge-web-acl
        rulePriority: 0
`;

let playbooks: string;
beforeAll(() => {
  // The repo's playbooks, aimed at the AWS sandbox and the WAF connector (the policies come along).
  playbooks = mkdtempSync(join(tmpdir(), 'portcullis-waf-playbooks-'));
  cpSync('playbooks/policies', join(playbooks, 'policies'), { recursive: true });
  for (const name of ['block-ip', 'unblock-ip']) {
    const text = readFileSync(`playbooks/${name}.yaml`, 'utf8').replace(
      /^targets:\n(?:\s+- .*\n)+/m,
      'targets:\n  - { connector: aws-sandbox, target: "*" }\n  - { connector: waf-sandbox, target: "*" }\n',
    );
    writeFileSync(join(playbooks, `${name}.yaml`), text);
  }
});
afterAll(() => rmSync(playbooks, { recursive: true, force: true }));

let e: E2E;
let waf: WafSimulator;
beforeEach(async () => {
  e = await startE2E({
    extra: {
      connectorsYaml: WAF_CONNECTOR,
      playbooksDir: playbooks,
      simulators: (o) => {
        waf = awsWafv2.createSimulator(o) as WafSimulator;
        return [waf];
      },
    },
  });
});
afterEach(async () => {
  await e.close();
});

const wafBlocks = async () => ((await e.connectors.get('waf-sandbox')?.list('edge')) ?? []).filter((r) => r.owned).flatMap((r) => r.cidrs);
const stateOf = (run: { targets: { connector: string; state: string }[] }, connector: string) => run.targets.find((t) => t.connector === connector)?.state;

describe('block-ip and unblock-ip on AWS WAF', () => {
  it('blocks IPv4 and IPv6 addresses in owned IP sets, shows them in /v1/blocks, and unblocks them', async () => {
    const { status, run } = await e.run('block-ip', { indicators: ['203.0.113.7', '2001:db8:7::/64'], reason: 'c2 beacon', incident_id: 'INC-1' });
    expect(status).toBe(202);
    expect(run.status).toBe('applied');
    expect(stateOf(run, 'waf-sandbox')).toBe('applied');
    expect((await wafBlocks()).sort()).toEqual(['2001:db8:7::/64', '203.0.113.7/32']);
    // In the cloud: one IPv4 and one IPv6 set, referenced by one Block rule in the operator's web ACL.
    const sets = [...waf.state.ipSets.REGIONAL.values()];
    expect(sets.map((s) => `${s.Name}:${s.Addresses.join(',')}`).sort()).toEqual(['portcullis-edge-v4-1:203.0.113.7/32', 'portcullis-edge-v6-2:2001:db8:7::/64']);
    const acl = [...waf.state.webAcls.REGIONAL.values()][0];
    expect(acl?.Rules.map((r) => r.Name)).toEqual(['AWS-AWSManagedRulesCommonRuleSet', 'portcullis-edge-blocks']);

    const blocks = (await (await e.call('GET', '/v1/blocks')).json()) as { blocks: { cidr: string; targets: { connector?: string; state: string }[] }[] };
    expect(blocks.blocks.map((b) => b.cidr).sort()).toEqual(['2001:db8:7::/64', '203.0.113.7/32']);
    for (const block of blocks.blocks) expect(block.targets.map((t) => t.state)).toEqual(['applied', 'applied']);

    const unblock = await e.run('unblock-ip', { indicators: ['203.0.113.7', '2001:db8:7::/64'] });
    expect(unblock.run.status).toBe('applied');
    expect(await wafBlocks()).toEqual([]);
    expect(((await (await e.call('GET', '/v1/blocks')).json()) as { blocks: unknown[] }).blocks).toEqual([]);
    // Emptied, not deleted: the sets stay referenced for the next blocks.
    expect([...waf.state.ipSets.REGIONAL.values()].map((s) => s.Addresses)).toEqual([[], []]);
  });

  it('a burst of 1,000 blocks holds on WAF in one IP set written once, where the NACL refuses most for capacity', async () => {
    const writes = waf.controls.writeCalls();
    // Even addresses only: no two are siblings, so packing cannot merge them into wider prefixes.
    const indicators = Array.from({ length: 1000 }, (_, i) => `203.0.${112 + (i >> 7)}.${(i & 127) * 2}`);
    const { run } = await e.run('block-ip', { indicators });
    expect(stateOf(run, 'waf-sandbox')).toBe('applied');
    expect(run.status).toBe('partially_applied');
    // CreateIPSet carrying every address, then UpdateWebACL to reference the set.
    expect(waf.controls.writeCalls() - writes).toBe(2);
    expect((await wafBlocks()).sort()).toEqual(indicators.map((a) => `${a}/32`).sort());
  });

  it('blocking egress is refused on WAF with the reason, while the NACL holds it', async () => {
    const { run } = await e.run('block-ip', { indicators: ['203.0.113.8'], direction: 'egress' });
    expect(stateOf(run, 'aws-sandbox')).toBe('applied');
    expect(stateOf(run, 'waf-sandbox')).toBe('failed');
    const errors = run.targets.find((t) => t.connector === 'waf-sandbox')?.errors.join('\n');
    expect(errors).toMatch(/cannot block egress traffic/);
    expect(waf.controls.writeCalls()).toBe(0);
  });
});

describe('what WAF cannot express is refused clearly', () => {
  it('a playbook that would allow or quarantine through the WAF connector stops start-up, naming each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-waf-refused-'));
    try {
      cpSync(playbooks, dir, { recursive: true });
      for (const name of ['allow-ingress', 'quarantine-host']) {
        const text = readFileSync(`playbooks/${name}.yaml`, 'utf8').replace(/^targets:\n/m, 'targets:\n  - { connector: waf-sandbox, target: "*" }\n');
        writeFileSync(join(dir, `${name}.yaml`), text);
      }
      const started = startE2E({ extra: { connectorsYaml: WAF_CONNECTOR, playbooksDir: dir, simulators: (o) => [awsWafv2.createSimulator(o)] } });
      await expect(started).rejects.toMatchObject({
        problems: expect.arrayContaining([
          expect.objectContaining({ path: 'allow-ingress: targets[0]', message: expect.stringMatching(/connector "waf-sandbox" \(aws-wafv2\) cannot open access/) }),
          expect.objectContaining({ path: 'quarantine-host: targets[0]' }),
        ]),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the connector itself refuses allows in validate and quarantine as a validation error (defence in depth)', async () => {
    const connector = e.connectors.get('waf-sandbox');
    const allow = { direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 443, to: 443 }], cidrs: ['10.0.1.0/24'], priority: 1, placement: 'wafv2', owned: true } as const;
    expect(connector?.validate('edge', { ...allow, ports: [...allow.ports], cidrs: [...allow.cidrs] }).join('\n')).toMatch(/only blocks.*allow rules/);
    const quarantined = await connector?.quarantine('edge', 'i-0a1b2c3d4e5f60001');
    expect(quarantined?.error).toMatchObject({ kind: 'validation', code: 'QUARANTINE_UNSUPPORTED' });
    expect(waf.controls.writeCalls()).toBe(0);
  });
});

describe('POST /v1/connectors/{id}/check on AWS WAF', () => {
  const check = async () => {
    const res = await e.call('POST', '/v1/connectors/waf-sandbox/check', { connector: 'waf-sandbox' }, { client: 'operator' });
    return { status: res.status, body: (await res.json()) as { ok: boolean; targets: { ok: boolean; checks: { name: string; ok: boolean; detail?: string }[] }[] } };
  };

  it('passes on the operator’s web ACL, and a web ACL that is gone is a clear failure; nothing is written either way', async () => {
    const passed = await check();
    expect(passed.status).toBe(200);
    expect(passed.body.ok).toBe(true);
    waf.state.webAcls.REGIONAL.clear();
    const failed = await check();
    expect(failed.body.ok).toBe(false);
    expect(failed.body.targets[0]?.checks.find((c) => !c.ok)?.detail).toMatch(/no web ACL named "edge-web-acl" in scope REGIONAL \(us-east-1\)/);
    expect(waf.controls.writeCalls()).toBe(0);
  });
});

describe('GET /v1/connectors/{id}/analysis on AWS WAF', () => {
  it('analyses the web ACL: owned IP sets and hand-made IP-set rules, with the sets’ capacity', async () => {
    await e.run('block-ip', { indicators: ['203.0.113.7'] });
    await waf.controls.addForeignRule('edge-web-acl', {
      direction: 'ingress',
      action: 'deny',
      protocol: 'all',
      ports: [],
      cidrs: ['203.0.113.0/24'],
      priority: 20,
      placement: 'wafv2',
      owned: false,
    });
    const res = await e.call('GET', '/v1/connectors/waf-sandbox/analysis?target=edge');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { cloud: string; rules: number; capacity: Record<string, { rules: number; owned: number; max_prefixes_per_rule: number }> };
    expect(body.cloud).toBe('aws-wafv2');
    // The owned IPv4 set and the hand-made rule's set, both in placement wafv2.
    expect(body.rules).toBe(2);
    expect(body.capacity.wafv2).toMatchObject({ rules: 2, owned: 1, max_prefixes_per_rule: 10_000 });
  });
});

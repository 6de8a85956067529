import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Ec2Simulator } from '../../connectors/aws-ec2/simulator/index.ts';
import { awsWafv2 } from '../../connectors/aws-wafv2/index.ts';
import type { WafSimulator } from '../../connectors/aws-wafv2/simulator/index.ts';
import { type E2E, type RunBody, startE2E } from '../support/e2e.ts';

/**
 * Placement chains end to end through the HTTP API: block-ip aims at the AWS target only, whose chain is
 * its network ACL, then an AWS WAF IP set (both on their simulators through the real SDKs). The ACL holds
 * 18 owned IPv4 ingress entries (20 per direction and family, minus the default rule and the seed's
 * allow-all); the WAF target is kept small (one set of 3 addresses) so the whole chain can fill up.
 */
const WAF = `  - id: waf-chain
    type: aws-wafv2
    region: us-east-1
    credentials: { source: simulator }
    targets:
      - id: edge
        webAcl: edge-web-acl
        rulePriority: 0
        maxIpSets: 1
        maxAddressesPerSet: 3
`;
const chainYaml = (mode: 'overflow' | 'all') => `
placementChains:
  - id: aws-edge
    mode: ${mode}
    points: [aws-sandbox/edge, waf-chain/edge]
`;

let playbooks: string;
beforeAll(() => {
  playbooks = mkdtempSync(join(tmpdir(), 'portcullis-chain-playbooks-'));
  cpSync('playbooks/policies', join(playbooks, 'policies'), { recursive: true });
  for (const name of ['block-ip', 'unblock-ip']) {
    const text = readFileSync(`playbooks/${name}.yaml`, 'utf8').replace(/^targets:\n(?:\s+- .*\n)+/m, 'targets:\n  - { connector: aws-sandbox, target: "*" }\n');
    writeFileSync(join(playbooks, `${name}.yaml`), text);
  }
});
afterAll(() => rmSync(playbooks, { recursive: true, force: true }));

let e: E2E;
let waf: WafSimulator;
const start = async (mode: 'overflow' | 'all') => {
  e = await startE2E({
    extra: {
      connectorsYaml: WAF,
      playbooksDir: playbooks,
      simulators: (o) => {
        waf = awsWafv2.createSimulator(o) as WafSimulator;
        return [waf];
      },
    },
    configSuffix: chainYaml(mode),
  });
};
afterEach(async () => {
  await e.close();
});

// Odd last octets: no two are siblings, so packing never merges them into one entry.
const nacl = Array.from({ length: 18 }, (_, i) => `203.0.113.${2 * i + 1}`);
const extra = ['203.0.113.101', '203.0.113.103', '203.0.113.105', '203.0.113.107'];
const slash32 = (a: string) => `${a}/32`;

const naclBlocks = async () => ((await e.connectors.get('aws-sandbox')?.list('edge')) ?? []).filter((r) => r.owned && r.placement === 'nacl').flatMap((r) => r.cidrs).sort();
const wafBlocks = async () => ((await e.connectors.get('waf-chain')?.list('edge')) ?? []).filter((r) => r.owned).flatMap((r) => r.cidrs).sort();

interface BlocksBody {
  blocks: { cidr: string; targets: { connector: string; target: string; state: string; error: string | null; chain: string | null; points: string[] }[] }[];
}
const blocks = async () => {
  const body = (await (await e.call('GET', '/v1/blocks')).json()) as BlocksBody;
  return new Map(body.blocks.map((b) => [b.cidr, b.targets[0]!]));
};
const pointsOf = (run: RunBody) => (run.targets[0] as { points?: { point: string; intents: number }[] }).points;

describe('overflow: NACL first, then the WAF IP set', () => {
  it('fills the NACL, holds the next blocks on the WAF, refuses only when the whole chain is full, and moves blocks back when the NACL frees room', async () => {
    await start('overflow');
    const first = await e.run('block-ip', { indicators: nacl });
    expect(first.run.status).toBe('applied');
    expect(pointsOf(first.run)).toEqual([{ point: 'aws-sandbox/edge', intents: 18 }]);
    expect(await naclBlocks()).toEqual(nacl.map(slash32).sort());
    expect(await wafBlocks()).toEqual([]);

    // The NACL is full: the next three hold on the WAF; the fourth finds the whole chain full.
    const more = await e.run('block-ip', { indicators: extra });
    expect(await naclBlocks()).toEqual(nacl.map(slash32).sort());
    expect(await wafBlocks()).toEqual(extra.slice(0, 3).map(slash32));
    expect(more.run.status).toBe('partially_applied');
    expect(pointsOf(more.run)).toEqual([{ point: 'waf-chain/edge', intents: 3 }]);
    const view = await blocks();
    expect(view.get(slash32(nacl[0]!))).toMatchObject({ state: 'applied', chain: 'aws-edge', points: ['aws-sandbox/edge'] });
    for (const a of extra.slice(0, 3)) expect(view.get(slash32(a))).toMatchObject({ state: 'applied', chain: 'aws-edge', points: ['waf-chain/edge'], error: null });
    const refused = view.get(slash32(extra[3]!));
    expect(refused).toMatchObject({ state: 'failed', points: [] });
    // Named: every point, with its used/limit counts and its own reason.
    expect(refused?.error).toMatch(/^capacity: every point of placement chain aws-edge is full: /);
    expect(refused?.error).toMatch(/aws-sandbox\/edge 18\/18 ingress IPv4 prefixes in network ACL acl-0a1b2c3d4e5f60001 \(rules-exhausted: .*18 ingress IPv4 rules and all are full/);
    expect(refused?.error).toMatch(/waf-chain\/edge 3\/3 ingress IPv4 prefixes in .*\(/);
    expect(more.run.targets[0]?.errors.join('\n')).toMatch(/every point of placement chain aws-edge is full/);

    // Two NACL blocks end: the two lowest WAF-held blocks move back to the NACL and leave the WAF, whose
    // freed room then takes the block the full chain refused. One pass does it all.
    const writesBefore = waf.controls.writeCalls();
    const unblock = await e.run('unblock-ip', { indicators: nacl.slice(0, 2) });
    expect(unblock.run.status).toBe('applied');
    expect(await naclBlocks()).toEqual([...nacl.slice(2), ...extra.slice(0, 2)].map(slash32).sort());
    expect(await wafBlocks()).toEqual(extra.slice(2).map(slash32));
    expect(waf.controls.writeCalls() - writesBefore).toBe(1);
    const after = await blocks();
    expect(after.has(slash32(nacl[0]!))).toBe(false);
    for (const a of extra.slice(0, 2)) expect(after.get(slash32(a))).toMatchObject({ state: 'applied', points: ['aws-sandbox/edge'] });
    for (const a of extra.slice(2)) expect(after.get(slash32(a))).toMatchObject({ state: 'applied', points: ['waf-chain/edge'], error: null });
    // The run that was refused in part is applied now, and says where its blocks hold.
    const settled = (await (await e.call('GET', `/v1/runs/${more.run.id}`)).json()) as RunBody;
    expect(settled.status).toBe('applied');
    expect(pointsOf(settled)).toEqual([
      { point: 'aws-sandbox/edge', intents: 2 },
      { point: 'waf-chain/edge', intents: 2 },
    ]);

    // A drift pass changes nothing: placements are stable.
    const writes = waf.controls.writeCalls();
    await e.reconciler.healAll();
    await e.reconciler.idle();
    expect(waf.controls.writeCalls()).toBe(writes);
    expect(await naclBlocks()).toEqual([...nacl.slice(2), ...extra.slice(0, 2)].map(slash32).sort());
  });

  it('a block leaves the WAF only once it holds on the NACL: when the NACL writes fail, it stays on the WAF', async () => {
    await start('overflow');
    await e.run('block-ip', { indicators: [...nacl, extra[0]!] });
    expect(await wafBlocks()).toEqual([slash32(extra[0]!)]);
    // The NACL refuses writes (a permission taken away): the unblock's entry is planned to take the WAF
    // block in place (ReplaceNetworkAclEntry) and that write fails, so the WAF keeps the block.
    (e.sims.aws as Ec2Simulator).denyActions(['CreateNetworkAclEntry', 'ReplaceNetworkAclEntry', 'DeleteNetworkAclEntry']);
    const wafWrites = waf.controls.writeCalls();
    const unblock = await e.run('unblock-ip', { indicators: [nacl[0]!] });
    expect(unblock.run.status).toBe('failed');
    expect(unblock.run.targets[0]?.errors.join('\n')).toMatch(/removal did not complete/);
    expect(await naclBlocks()).toEqual(nacl.map(slash32).sort());
    expect(await wafBlocks()).toEqual([slash32(extra[0]!)]);
    expect(waf.controls.writeCalls()).toBe(wafWrites);
    expect((await blocks()).get(slash32(extra[0]!))).toMatchObject({ state: 'applied', points: ['waf-chain/edge'] });
  });

  it('unblocking a WAF-held block removes it from the WAF only', async () => {
    await start('overflow');
    await e.run('block-ip', { indicators: [...nacl, extra[0]!] });
    expect(await wafBlocks()).toEqual([slash32(extra[0]!)]);
    const unblock = await e.run('unblock-ip', { indicators: [extra[0]!] });
    expect(unblock.run.status).toBe('applied');
    expect(await wafBlocks()).toEqual([]);
    expect(await naclBlocks()).toEqual(nacl.map(slash32).sort());
    expect((await blocks()).has(slash32(extra[0]!))).toBe(false);
  });
});

describe('all: every point holds every block', () => {
  it('puts each block on the NACL and on the WAF, and removes it from both', async () => {
    await start('all');
    const { run } = await e.run('block-ip', { indicators: ['203.0.113.7', '203.0.113.9'] });
    expect(run.status).toBe('applied');
    expect(pointsOf(run)).toEqual([
      { point: 'aws-sandbox/edge', intents: 2 },
      { point: 'waf-chain/edge', intents: 2 },
    ]);
    expect(await naclBlocks()).toEqual(['203.0.113.7/32', '203.0.113.9/32']);
    expect(await wafBlocks()).toEqual(['203.0.113.7/32', '203.0.113.9/32']);
    expect((await blocks()).get('203.0.113.7/32')).toMatchObject({ state: 'applied', points: ['aws-sandbox/edge', 'waf-chain/edge'] });

    // The WAF holds 3: a fourth and fifth block are on the NACL only, and refused naming the full point.
    const more = await e.run('block-ip', { indicators: ['203.0.113.11', '203.0.113.13'] });
    expect(more.run.status).toBe('partially_applied');
    const view = await blocks();
    const partial = [view.get('203.0.113.11/32'), view.get('203.0.113.13/32')];
    expect(partial.filter((b) => b?.state === 'applied').length).toBe(1);
    const refused = partial.find((b) => b?.state === 'failed');
    expect(refused?.points).toEqual(['aws-sandbox/edge']);
    expect(refused?.error).toMatch(/^capacity: not placed on every point of placement chain aws-edge: waf-chain\/edge 3\/3 ingress IPv4 prefixes/);

    const unblock = await e.run('unblock-ip', { indicators: ['203.0.113.7', '203.0.113.9', '203.0.113.11', '203.0.113.13'] });
    expect(unblock.run.status).toBe('applied');
    expect(await naclBlocks()).toEqual([]);
    expect(await wafBlocks()).toEqual([]);
  });
});

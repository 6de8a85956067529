import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type E2E, startE2E } from '../../test/support/e2e.ts';
import { createNfwSimulator, type NfwSimulator } from './simulator/index.ts';
import { NFW_SIM_POLICY, NFW_SIM_RULE_GROUP } from './simulator/seed.ts';
import { statelessRules } from './simulator/state.ts';

/**
 * block-ip and unblock-ip end to end through the HTTP API (signed calls, playbooks, store, reconciler)
 * onto a Network Firewall target, its simulator answering the real SDK through msw.
 */
const CONNECTOR = 'nfw-edge';
const CONNECTOR_YAML = `  - id: ${CONNECTOR}
    type: aws-network-firewall
    simulator: false
    region: us-east-1
    credentials: { source: simulator }
    targets:
      - id: edge
        ruleGroup: ${NFW_SIM_RULE_GROUP}
        firewallPolicy: ${NFW_SIM_POLICY}
        priorityBand: { from: 100, to: 199 }
  - id: nfw-team
    type: aws-network-firewall
    simulator: false
    region: us-east-1
    credentials: { source: simulator }
    targets:
      - { id: edge, ruleGroup: team-blocks }
      - { id: gone, ruleGroup: deleted-group }
`;

// The repo's playbooks, aimed at the Network Firewall target only (their targets list replaced).
let playbooks: string;
beforeAll(() => {
  playbooks = mkdtempSync(join(tmpdir(), 'portcullis-nfw-playbooks-'));
  for (const name of ['block-ip.yaml', 'unblock-ip.yaml']) {
    const text = readFileSync(join('playbooks', name), 'utf8').replace(/^targets:\n(?: {2}- .*\n)+/m, `targets:\n  - { connector: ${CONNECTOR}, target: "*" }\n`);
    writeFileSync(join(playbooks, name), text);
  }
});
afterAll(() => rmSync(playbooks, { recursive: true, force: true }));

let e: E2E;
let sim: NfwSimulator;
/** Capacity units of the owned group in the next start (the seed's 2,000 unless a test lowers it). */
let capacity: number | undefined;
beforeEach(async () => {
  e = await start();
});
afterEach(async () => {
  await e.close();
  capacity = undefined;
});
const start = () =>
  startE2E({
    extra: {
      connectorsYaml: CONNECTOR_YAML,
      playbooksDir: playbooks,
      simulators: (options) => {
        sim = createNfwSimulator({ ...options, ...(capacity ? { quotas: { ruleGroupCapacity: capacity } } : {}) });
        return [sim];
      },
    },
  });

const group = () => [...sim.state.ruleGroups.values()].find((g) => g.name === NFW_SIM_RULE_GROUP);
const blockedCidrs = () =>
  statelessRules(group()!)
    .filter((r) => r.Priority >= 100 && r.Priority <= 199 && r.RuleDefinition.Actions.includes('aws:drop'))
    .flatMap((r) => [...(r.RuleDefinition.MatchAttributes.Sources ?? []), ...(r.RuleDefinition.MatchAttributes.Destinations ?? [])].map((a) => a.AddressDefinition))
    .sort();
type Blocks = { blocks: { cidr: string; targets: { connector: string; target: string; state: string }[] }[] };

describe('block-ip and unblock-ip on an aws-network-firewall target', () => {
  it('blocks IPv4 and IPv6 indicators as drop rules of the owned rule group, then lifts them', async () => {
    const { status, run } = await e.run('block-ip', { indicators: ['203.0.113.7', '2001:db8::7'], reason: 'GuardDuty finding' });
    expect(status).toBe(202);
    expect(run.status).toBe('applied');
    expect(run.targets).toMatchObject([{ connector: CONNECTOR, target: 'edge', state: 'applied', errors: [] }]);
    expect(blockedCidrs()).toEqual(['2001:db8::7/128', '203.0.113.7/32']);
    const blocks = (await (await e.call('GET', '/v1/blocks')).json()) as Blocks;
    expect(blocks.blocks.map((b) => [b.cidr, b.targets[0]?.state]).sort()).toEqual([
      ['2001:db8::7/128', 'applied'],
      ['203.0.113.7/32', 'applied'],
    ]);
    // The audit log records the one read-modify-write, with the service's request ids.
    const ops = (await e.services.store.auditAfter(0, 1000)).filter((a) => a.action === 'cloud.operation' && a.target === `${CONNECTOR}/edge`);
    const calls = JSON.stringify(ops.map((op) => op.detail));
    expect(calls).toContain('UpdateRuleGroup');
    expect(calls).toMatch(/"request_id":"6f2b8d00-/);
    for (const op of ops) expect(op.run_id).toBe(run.id);
    // The foreign SSH rule the seed holds is still there, untouched.
    expect(statelessRules(group()!).some((r) => r.Priority === 10)).toBe(true);

    const lifted = await e.run('unblock-ip', { indicators: ['203.0.113.7', '2001:db8::7'], reason: 'false positive' });
    expect(lifted.run.status).toBe('applied');
    expect(blockedCidrs()).toEqual([]);
    expect(((await (await e.call('GET', '/v1/blocks')).json()) as Blocks).blocks).toEqual([]);
  });

  it('holds a burst of 500 blocks with a handful of UpdateRuleGroup calls (many addresses per write)', async () => {
    const ip = (n: number) => `203.0.${Math.floor(n / 100) + 1}.${2 * (n % 100) + 1}`;
    const writes = sim.controls.writeCalls();
    const responses = await Promise.all(
      Array.from({ length: 500 }, (_, i) => e.call('POST', '/v1/playbooks/block-ip/runs', { playbook: 'block-ip', inputs: { indicators: ip(i) } })),
    );
    expect(responses.every((r) => r.status === 202)).toBe(true);
    await e.reconciler.idle();
    expect(blockedCidrs()).toEqual(Array.from({ length: 500 }, (_, i) => `${ip(i)}/32`).sort());
    expect(sim.controls.writeCalls() - writes).toBeLessThanOrEqual(10);
  });

  it('blocks both directions: a drop by source and a drop by destination', async () => {
    const { run } = await e.run('block-ip', { indicators: '198.18.0.9', direction: 'both' });
    expect(run.status).toBe('applied');
    const rules = statelessRules(group()!).filter((r) => r.Priority >= 100 && r.Priority <= 199);
    expect(rules.map((r) => Object.keys(r.RuleDefinition.MatchAttributes)).sort()).toEqual([['Destinations'], ['Sources']]);
  });

});

describe('quarantine', () => {
  it('a quarantine-host playbook aimed at this connector stops start-up, naming the playbook and the connector', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-nfw-quarantine-'));
    try {
      const text = readFileSync(join('playbooks', 'quarantine-host.yaml'), 'utf8').replace(/^targets:\n(?: {2}- .*\n)+/m, `targets:\n  - { connector: ${CONNECTOR}, target: "*" }\n`);
      writeFileSync(join(dir, 'quarantine-host.yaml'), text);
      const refused = startE2E({ extra: { connectorsYaml: CONNECTOR_YAML, playbooksDir: dir, simulators: (options) => [createNfwSimulator(options)] } });
      await expect(refused).rejects.toThrow(/quarantine-host: targets\[0\].*connector "nfw-edge" \(aws-network-firewall\) cannot quarantine hosts/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('capacity through the HTTP API', () => {
  it('refuses what the group cannot hold, with its counts, and places the parked blocks once room frees up', async () => {
    await e.close();
    capacity = 21; // the seed's foreign SSH rule uses 1: room for 20 one-address blocks
    e = await start();
    const ip = (n: number) => `203.0.113.${2 * n + 1}`;
    const { run } = await e.run('block-ip', { indicators: Array.from({ length: 25 }, (_, i) => ip(i)) });
    expect(blockedCidrs()).toHaveLength(20);
    const blocks = (await (await e.call('GET', '/v1/blocks')).json()) as { blocks: { cidr: string; targets: { state: string; error: string | null }[] }[] };
    const refused = blocks.blocks.filter((b) => b.targets[0]?.state === 'failed');
    expect(refused).toHaveLength(5);
    // limits() gave the planner the group's room (21 units − 1 foreign): it refuses before any write.
    expect(refused[0]?.targets[0]?.error).toBe('prefix-budget: the target holds at most 20 prefixes in nfw and they are all in use');
    expect(run.status).not.toBe('applied');

    // Lifting five frees five units: the five parked blocks take them.
    await e.run('unblock-ip', { indicators: Array.from({ length: 5 }, (_, i) => ip(i)) });
    await e.reconciler.idle();
    const held = blockedCidrs();
    expect(held).toHaveLength(20);
    for (let i = 20; i < 25; i++) expect(held).toContain(`${ip(i)}/32`);
  });
});

describe('check through the HTTP API', () => {
  it('passes on the owned group; names a missing group and an unowned one, changing nothing', async () => {
    const before = JSON.stringify([...sim.state.ruleGroups.values()]);
    const good = await e.call('POST', `/v1/connectors/${CONNECTOR}/check`, { connector: CONNECTOR }, { client: 'operator' });
    expect(good.status).toBe(200);
    expect(await good.json()).toMatchObject({ connector: CONNECTOR, ok: true });
    const bad = await e.call('POST', '/v1/connectors/nfw-team/check', { connector: 'nfw-team' }, { client: 'operator' });
    const body = (await bad.json()) as { ok: boolean; targets: { target: string; ok: boolean; checks: { name: string; ok: boolean; detail?: string }[] }[] };
    expect(body.ok).toBe(false);
    const failedDetail = (target: string) => body.targets.find((t) => t.target === target)?.checks.find((c) => !c.ok)?.detail;
    expect(failedDetail('edge')).toMatch(/team-blocks has no "portcullis" tag, so portcullis does not own it/);
    expect(failedDetail('gone')).toMatch(/no stateless rule group deleted-group/);
    expect(JSON.stringify([...sim.state.ruleGroups.values()])).toBe(before);
    expect(sim.controls.writeCalls()).toBe(0);
    const audited = (await e.services.store.auditAfter(0, 1000)).filter((a) => a.action === 'connector.checked');
    expect(audited.map((a) => [a.target, a.outcome])).toEqual([
      [CONNECTOR, 'success'],
      ['nfw-team', 'failure'],
    ]);
  });
});

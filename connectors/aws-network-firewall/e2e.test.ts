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
`;

// The repo's playbooks, aimed at the Network Firewall target only (their targets list replaced).
let playbooks: string;
beforeAll(() => {
  playbooks = mkdtempSync(join(tmpdir(), 'portcullis-nfw-playbooks-'));
  for (const name of ['block-ip.yaml', 'unblock-ip.yaml', 'quarantine-host.yaml']) {
    const text = readFileSync(join('playbooks', name), 'utf8').replace(/^targets:\n(?: {2}- .*\n)+/m, `targets:\n  - { connector: ${CONNECTOR}, target: "*" }\n`);
    writeFileSync(join(playbooks, name), text);
  }
});
afterAll(() => rmSync(playbooks, { recursive: true, force: true }));

let e: E2E;
let sim: NfwSimulator;
beforeEach(async () => {
  e = await startE2E({
    extra: {
      connectorsYaml: CONNECTOR_YAML,
      playbooksDir: playbooks,
      simulators: (options) => {
        sim = createNfwSimulator(options);
        return [sim];
      },
    },
  });
});
afterEach(async () => {
  await e.close();
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

  it('quarantine-host on this target fails clearly: a rule group cannot isolate a host', async () => {
    const { run } = await e.run('quarantine-host', { host: 'i-0a1b2c3d4e5f60001', reason: 'malware' });
    expect(run.status).toBe('failed');
    expect(run.targets[0]?.errors.join(' ')).toMatch(/cannot quarantine host i-0a1b2c3d4e5f60001.*aws-ec2 target/);
    expect(sim.controls.writeCalls()).toBe(0);
  });
});

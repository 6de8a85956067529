import { afterEach, describe, expect, it } from 'vitest';
import { startNfw, TARGET_ID } from './harness.ts';
import { NFW_SIM_FOREIGN_GROUP, NFW_SIM_UNREFERENCED_GROUP } from './simulator/seed.ts';

let env: ReturnType<typeof startNfw>;
afterEach(() => env?.stop());

/** The simulator's whole state, comparable: check must leave every group and token exactly as it was. */
const snapshot = () => JSON.stringify([...env.sim.state.ruleGroups.values()]);
const failed = (result: Awaited<ReturnType<typeof env.connector.check>>) => result.checks.filter((c) => !c.ok);

describe('check at start', () => {
  it('passes on an owned, referenced stateless group and proves write permission with a dry run only', async () => {
    env = startNfw();
    const before = snapshot();
    const result = await env.connector.check(TARGET_ID);
    expect(failed(result)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => c.name)).toEqual([
      'rule group exists',
      'rule group is stateless, active and owned',
      'firewall policy references the rule group',
      'may update the rule group (dry run)',
    ]);
    expect(env.sim.operations).toEqual(['DescribeRuleGroup', 'DescribeFirewallPolicy', 'UpdateRuleGroup (dry run)']);
    expect(env.sim.controls.writeCalls()).toBe(0);
    expect(snapshot()).toBe(before);
  });

  it('a missing rule group is a clear error naming it', async () => {
    env = startNfw({ target: { ruleGroup: 'no-such-group' } });
    const result = await env.connector.check(TARGET_ID);
    expect(result.ok).toBe(false);
    expect(failed(result)).toMatchObject([{ name: 'rule group exists' }]);
    expect(failed(result)[0]?.detail).toMatch(/no stateless rule group no-such-group.*ResourceNotFoundException/);
    expect(env.sim.controls.writeCalls()).toBe(0);
  });

  it('a group without the ownership tag is refused and never modified, not even by a dry run', async () => {
    env = startNfw({ target: { ruleGroup: NFW_SIM_FOREIGN_GROUP } });
    const before = snapshot();
    const result = await env.connector.check(TARGET_ID);
    expect(result.ok).toBe(false);
    expect(failed(result).map((c) => c.name)).toEqual(['rule group is stateless, active and owned']);
    expect(failed(result)[0]?.detail).toMatch(/team-blocks has no "portcullis" tag/);
    expect(env.sim.operations).not.toContain('UpdateRuleGroup (dry run)');
    expect(snapshot()).toBe(before);
  });

  it('a group the firewall policy does not reference fails: its blocks would hold nowhere', async () => {
    env = startNfw({ target: { ruleGroup: NFW_SIM_UNREFERENCED_GROUP } });
    const result = await env.connector.check(TARGET_ID);
    expect(failed(result).map((c) => c.name)).toEqual(['firewall policy references the rule group']);
    expect(failed(result)[0]?.detail).toMatch(/edge-policy does not reference .*stateless-rulegroup\/portcullis-spare/);
  });

  it('a missing firewall policy is named', async () => {
    env = startNfw({ target: { firewallPolicy: 'no-such-policy' } });
    const result = await env.connector.check(TARGET_ID);
    expect(failed(result)[0]).toMatchObject({ name: 'firewall policy references the rule group' });
    expect(failed(result)[0]?.detail).toMatch(/ResourceNotFoundException: FirewallPolicy no-such-policy not found/);
  });

  it('no UpdateRuleGroup permission fails the dry run with the service’s AccessDeniedException', async () => {
    env = startNfw({ sim: { deniedActions: ['UpdateRuleGroup'] } });
    const before = snapshot();
    const result = await env.connector.check(TARGET_ID);
    expect(failed(result)).toMatchObject([{ name: 'may update the rule group (dry run)' }]);
    expect(failed(result)[0]?.detail).toMatch(/^AccessDeniedException: .*network-firewall:UpdateRuleGroup/);
    expect(snapshot()).toBe(before);
  });
});

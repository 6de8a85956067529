import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsEc2Connector } from './connector/connector.ts';
import { blockRule, startAws, TARGET_ID, testConfig, testContext } from './harness.ts';
import { SEED_NACL_ID } from './simulator/seed.ts';

let aws: ReturnType<typeof startAws>;
beforeEach(() => {
  aws = startAws();
});
afterEach(() => aws.stop());

describe('check', () => {
  it('passes on the seed with DryRun calls only, changing nothing', async () => {
    const result = await aws.connector.check(TARGET_ID);
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(aws.sim.actions).toContain('CreateNetworkAclEntry (dry run)');
    expect(aws.sim.actions).toContain('AuthorizeSecurityGroupIngress (dry run)');
    expect(aws.sim.actions).toContain('ModifyNetworkInterfaceAttribute (dry run)');
    expect(aws.sim.actions).toContain('CreateTags (dry run)');
    expect(aws.sim.controls.writeCalls()).toBe(0);
  });

  it('reports UnauthorizedOperation for an action the credentials may not call', async () => {
    aws.sim.denyActions(['CreateNetworkAclEntry']);
    const result = await aws.connector.check(TARGET_ID);
    expect(result.ok).toBe(false);
    expect(result.checks.find((c) => c.name.startsWith('may call CreateNetworkAclEntry'))).toMatchObject({ ok: false, detail: 'not authorized (UnauthorizedOperation)' });
  });

  it('fails when the ACL or group does not exist', async () => {
    aws.sim.state.networkAcls.delete(SEED_NACL_ID);
    const result = await aws.connector.check(TARGET_ID);
    expect(result.checks[0]).toMatchObject({ ok: false, detail: `The network ACL ID '${SEED_NACL_ID}' does not exist` });
  });

  it('warns when an allow-all entry below the band would shadow every block', async () => {
    await aws.sim.controls.addForeignRule(SEED_NACL_ID, { ...blockRule('0.0.0.0/0'), action: 'allow', priority: 50, owned: false });
    const result = await aws.connector.check(TARGET_ID);
    expect(result.checks.find((c) => c.name.startsWith('rule-number band'))).toMatchObject({ ok: false, detail: expect.stringContaining('ingress entry 50 allows all traffic') });
  });
});

describe('check probes (issue 9 item 10)', () => {
  it('logs no warning for a DryRunOperation: that is the answer asked for', async () => {
    const warnings: string[] = [];
    const ctx = testContext(aws.clock);
    const connector = new AwsEc2Connector('aws', testConfig(), { ...ctx, log: { ...ctx.log, warn: (_fields, message) => warnings.push(message ?? "") } });
    expect((await connector.check(TARGET_ID)).ok).toBe(true);
    expect(warnings).toEqual([]);
    // A real refusal still is one.
    aws.sim.denyActions(['CreateNetworkAclEntry']);
    await connector.check(TARGET_ID);
    expect(warnings).toEqual(['EC2 call failed']);
  });

  it('probes a free rule number, so an endpoint that ignores DryRun cannot touch a live block', async () => {
    aws.stop();
    aws = startAws({ sim: { ignoreDryRun: true } });
    // Blocks at the top of the band (where the probe used to go) and at its start.
    const created = await aws.connector.apply(TARGET_ID, [
      { op: 'create', rule: blockRule('203.0.113.9/32', { priority: 199 }) },
      { op: 'create', rule: blockRule('203.0.113.11/32', { priority: 100 }) },
    ]);
    expect(created.map((r) => r.ok)).toEqual([true, true]);
    const before = JSON.stringify(aws.sim.state.networkAcls.get(SEED_NACL_ID)?.entries);

    const result = await aws.connector.check(TARGET_ID);
    // The carried-out "dry runs" are reported, and the probe entry they made is gone again.
    expect(result.checks.find((c) => c.name === 'may call CreateNetworkAclEntry (DryRun)')).toMatchObject({ ok: false, detail: expect.stringMatching(/ignores DryRun/) });
    expect(result.checks.find((c) => c.name === 'may call ReplaceNetworkAclEntry (DryRun)')?.detail).toMatch(/ignores DryRun/);
    const entries = aws.sim.state.networkAcls.get(SEED_NACL_ID)?.entries ?? [];
    expect(entries.find((e) => !e.egress && e.ruleNumber === 199)).toMatchObject({ ruleAction: 'deny', cidrBlock: '203.0.113.9/32' });
    expect(entries.find((e) => !e.egress && e.ruleNumber === 100)).toMatchObject({ ruleAction: 'deny', cidrBlock: '203.0.113.11/32' });
    expect(JSON.stringify(entries)).toBe(before);
  });
});

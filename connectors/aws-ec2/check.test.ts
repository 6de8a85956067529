import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blockRule, startAws, TARGET_ID } from './harness.ts';
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

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allowRule, startAws, TARGET_ID } from './harness.ts';
import { SEED_APP_SG_ID, SEED_SG_ID } from './simulator/seed.ts';

let aws: ReturnType<typeof startAws>;
beforeEach(() => {
  aws = startAws();
});
afterEach(() => aws.stop());

const groupRules = () => [...aws.sim.state.securityGroupRules.values()].filter((r) => r.groupId === SEED_SG_ID);

describe('allows as security group rules (happy path)', () => {
  it('authorizes several ranges in one call, marks them, and lists them back as one owned rule', async () => {
    const rule = allowRule(['10.1.0.0/16', '10.2.0.0/16', '2001:db8::/32'], { ports: [{ from: 443, to: 443 }, { from: 8443, to: 8443 }] });
    const [result] = await aws.connector.apply(TARGET_ID, [{ op: 'create', rule }]);
    expect(result?.ok).toBe(true);
    expect(result?.calls.map((c) => c.operation)).toEqual(['AuthorizeSecurityGroupIngress']);
    expect(result?.cloudId?.split(',')).toHaveLength(6);
    expect(groupRules().filter((r) => r.description === 'portcullis:int-1')).toHaveLength(6);

    const owned = (await aws.connector.list(TARGET_ID)).filter((r) => r.placement === 'sg' && r.owned);
    expect(owned).toEqual([
      {
        direction: 'ingress',
        action: 'allow',
        protocol: 'tcp',
        ports: [{ from: 443, to: 443 }, { from: 8443, to: 8443 }],
        cidrs: ['10.1.0.0/16', '10.2.0.0/16', '2001:db8::/32'],
        priority: 0,
        placement: 'sg',
        cloudId: result?.cloudId,
        owned: true,
        description: 'portcullis:int-1',
        intentIds: ['int-1'],
      },
    ]);
  });

  it('allows tier to tier through a security group reference', async () => {
    const rule = allowRule([], { sourceGroup: SEED_APP_SG_ID, ports: [{ from: 5432, to: 5432 }] });
    const [result] = await aws.connector.apply(TARGET_ID, [{ op: 'create', rule }]);
    expect(result?.ok).toBe(true);
    expect(groupRules().find((r) => r.referencedGroupId === SEED_APP_SG_ID)).toMatchObject({ fromPort: 5432, description: 'portcullis:int-1' });
    const [listed] = (await aws.connector.list(TARGET_ID)).filter((r) => r.owned);
    expect(listed).toMatchObject({ sourceGroup: SEED_APP_SG_ID, cidrs: [], ports: [{ from: 5432, to: 5432 }] });
  });

  it('revokes by rule id and updates without a gap (authorize new, then revoke old)', async () => {
    await aws.connector.apply(TARGET_ID, [{ op: 'create', rule: allowRule(['10.1.0.0/16']) }]);
    const [before] = (await aws.connector.list(TARGET_ID)).filter((r) => r.owned);
    const [updated] = await aws.connector.apply(TARGET_ID, [{ op: 'update', before: before!, rule: { ...before!, cidrs: ['10.1.0.0/16', '10.9.0.0/16'] } }]);
    expect(updated?.ok).toBe(true);
    expect(groupRules().filter((r) => r.description === 'portcullis:int-1').map((r) => r.cidrIpv4).sort()).toEqual(['10.1.0.0/16', '10.9.0.0/16']);
    const [after] = (await aws.connector.list(TARGET_ID)).filter((r) => r.owned);
    const [deleted] = await aws.connector.apply(TARGET_ID, [{ op: 'delete', rule: after! }]);
    expect(deleted?.calls.map((c) => c.operation)).toEqual(['RevokeSecurityGroupIngress']);
    expect(groupRules().filter((r) => r.description?.startsWith('portcullis'))).toHaveLength(0);
  });
});

describe('idempotency', () => {
  it('a retried authorize that already landed (InvalidPermission.Duplicate) succeeds after a describe', async () => {
    aws.sim.loseNextResponses(1);
    const [result] = await aws.connector.apply(TARGET_ID, [{ op: 'create', rule: allowRule(['10.1.0.0/16', '10.2.0.0/16']) }]);
    expect(result?.ok).toBe(true);
    expect(result?.calls.map((c) => c.operation)).toEqual(['AuthorizeSecurityGroupIngress', 'DescribeSecurityGroupRules']);
    expect(result?.calls[0]?.attempts.map((a) => a.code)).toEqual(['InternalError', 'InvalidPermission.Duplicate']);
    expect(result?.cloudId?.split(',')).toHaveLength(2);
    expect(groupRules().filter((r) => r.description === 'portcullis:int-1')).toHaveLength(2);
  });

  it('adds only the missing ranges when part of the rule exists', async () => {
    await aws.connector.apply(TARGET_ID, [{ op: 'create', rule: allowRule(['10.1.0.0/16']) }]);
    const [result] = await aws.connector.apply(TARGET_ID, [{ op: 'create', rule: allowRule(['10.1.0.0/16', '10.2.0.0/16']) }]);
    expect(result?.ok).toBe(true);
    expect(result?.calls.map((c) => c.operation)).toEqual(['AuthorizeSecurityGroupIngress', 'DescribeSecurityGroupRules', 'AuthorizeSecurityGroupIngress']);
    expect(groupRules().filter((r) => r.description === 'portcullis:int-1')).toHaveLength(2);
  });

  it('revoking rules that are already gone is success once a describe confirms it', async () => {
    await aws.connector.apply(TARGET_ID, [{ op: 'create', rule: allowRule(['10.1.0.0/16']) }]);
    const [owned] = (await aws.connector.list(TARGET_ID)).filter((r) => r.owned);
    await aws.sim.controls.deleteOutOfBand(SEED_SG_ID, owned!.cloudId!);
    const [byId] = await aws.connector.apply(TARGET_ID, [{ op: 'delete', rule: owned! }]);
    expect(byId?.ok).toBe(true);
    expect(byId?.calls[0]?.attempts[0]?.code).toBe('InvalidSecurityGroupRuleId.NotFound');
    const { cloudId: _ignored, ...withoutId } = owned!;
    const [byPermission] = await aws.connector.apply(TARGET_ID, [{ op: 'delete', rule: withoutId }]);
    expect(byPermission?.ok).toBe(true);
    expect(byPermission?.calls[0]?.attempts[0]?.code).toBe('InvalidPermission.NotFound');
  });
});

describe('ownership', () => {
  it('a foreign rule with the same permission is a conflict, not a silent success', async () => {
    await aws.sim.controls.addForeignRule(SEED_SG_ID, { ...allowRule(['10.1.0.0/16']), owned: false, description: 'ops team' });
    const [result] = await aws.connector.apply(TARGET_ID, [{ op: 'create', rule: allowRule(['10.1.0.0/16']) }]);
    expect(result?.error).toMatchObject({ kind: 'conflict', code: 'InvalidPermission.Duplicate' });
    expect(result?.error?.message).toContain('portcullis does not own');
  });

  it('lists foreign rules as not owned and refuses to delete them without any call', async () => {
    await aws.sim.controls.addForeignRule(SEED_SG_ID, { ...allowRule(['10.7.0.0/16']), owned: false, description: 'ops team' });
    const foreign = (await aws.connector.list(TARGET_ID)).find((r) => r.description === 'ops team')!;
    expect(foreign.owned).toBe(false);
    const writes = aws.sim.controls.writeCalls();
    const [result] = await aws.connector.apply(TARGET_ID, [{ op: 'delete', rule: foreign }]);
    expect(result?.error?.kind).toBe('validation');
    expect(aws.sim.controls.writeCalls()).toBe(writes);
    expect(groupRules().some((r) => r.cidrIpv4 === '10.7.0.0/16')).toBe(true);
  });

  it('hits the real 60-rule quota as a non-retryable quota error', async () => {
    aws.stop();
    aws = startAws({ quotas: { rulesPerSecurityGroup: 3 } });
    const [result] = await aws.connector.apply(TARGET_ID, [{ op: 'create', rule: allowRule(['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16', '10.4.0.0/16']) }]);
    expect(result?.error).toMatchObject({ kind: 'quota', code: 'RulesPerSecurityGroupLimitExceeded', retryable: false });
    expect(result?.calls[0]?.attempts).toHaveLength(1);
  });
});

describe('adopt-rules: UpdateSecurityGroupRuleDescriptions*', () => {
  it('marks a foreign rule as owned by its description only; an unknown rule id changes nothing', async () => {
    await aws.sim.controls.addForeignRule(SEED_SG_ID, { ...allowRule(['198.51.100.0/24']), owned: false, description: 'legacy' });
    const foreign = (await aws.connector.list(TARGET_ID)).find((r) => r.placement === 'sg' && r.cidrs.includes('198.51.100.0/24'));
    expect(foreign?.owned).toBe(false);
    const before = groupRules().map((r) => ({ ...r, description: undefined, tags: undefined }));

    const bogus = await aws.connector.adopt?.(TARGET_ID, { ...(foreign as NonNullable<typeof foreign>), cloudId: `${foreign?.cloudId},sgr-0000000000000dead` }, ['int-9']);
    expect(bogus?.ok).toBe(false);
    expect(bogus?.error?.code).toBe('InvalidSecurityGroupRuleId.NotFound');
    expect(groupRules().find((r) => r.securityGroupRuleId === foreign?.cloudId)?.description).toBe('legacy');

    const result = await aws.connector.adopt?.(TARGET_ID, foreign as NonNullable<typeof foreign>, ['int-9']);
    expect(result?.ok).toBe(true);
    expect(result?.calls.map((c) => c.operation)).toEqual(['UpdateSecurityGroupRuleDescriptionsIngress']);
    const after = (await aws.connector.list(TARGET_ID)).find((r) => r.cloudId === foreign?.cloudId);
    expect(after).toMatchObject({ owned: true, description: 'portcullis:int-9', cidrs: ['198.51.100.0/24'] });
    // Nothing but the description changed.
    expect(groupRules().map((r) => ({ ...r, description: undefined, tags: undefined }))).toEqual(before);
    expect(aws.connector.adoptionProblems?.(TARGET_ID, after as NonNullable<typeof after>)).toEqual([expect.stringMatching(/already owned/)]);
  });
});

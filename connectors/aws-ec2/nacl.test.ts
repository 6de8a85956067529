import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blockRule, startAws, TARGET_ID } from './harness.ts';
import { SEED_NACL_ID } from './simulator/seed.ts';

let aws: ReturnType<typeof startAws>;
beforeEach(() => {
  aws = startAws();
});
afterEach(() => aws.stop());

const aclEntries = () => aws.sim.state.networkAcls.get(SEED_NACL_ID)?.entries ?? [];

describe('blocks as network ACL entries (happy path)', () => {
  it('creates one entry per CIDR in the band, IPv4 and IPv6 separately, and lists them back as owned', async () => {
    const results = await aws.connector.apply(TARGET_ID, [
      { op: 'create', rule: blockRule('203.0.113.7/32') },
      { op: 'create', rule: blockRule('2001:db8::/64', { protocol: 'tcp', ports: [{ from: 22, to: 22 }] }) },
    ]);
    expect(results.map((r) => [r.ok, r.cloudId])).toEqual([
      [true, 'ingress:100'],
      [true, 'ingress:101'],
    ]);
    expect(results[0]?.calls.map((c) => c.operation)).toEqual(['DescribeNetworkAcls', 'CreateNetworkAclEntry']);
    expect(results[0]?.calls[1]?.requestId).toMatch(/^5e1a7c00-/);
    expect(aclEntries().find((e) => e.ruleNumber === 101)).toMatchObject({ ipv6CidrBlock: '2001:db8::/64', protocol: '6', portRange: { from: 22, to: 22 } });

    const listed = await aws.connector.list(TARGET_ID);
    const owned = listed.filter((r) => r.owned);
    expect(owned).toEqual([
      { direction: 'ingress', action: 'deny', protocol: 'all', ports: [], cidrs: ['203.0.113.7/32'], priority: 100, placement: 'nacl', cloudId: 'ingress:100', owned: true },
      { direction: 'ingress', action: 'deny', protocol: 'tcp', ports: [{ from: 22, to: 22 }], cidrs: ['2001:db8::/64'], priority: 101, placement: 'nacl', cloudId: 'ingress:101', owned: true },
    ]);
    // The ACL's own entries (allow-all at 1000/1001, default denies) are listed, never owned.
    expect(listed.filter((r) => r.placement === 'nacl' && !r.owned).map((r) => r.priority).sort()).toEqual([1000, 1000, 1001, 1001, 32767, 32767, 32768, 32768]);
  });

  it('deletes an owned entry and honours an explicit rule number inside the band', async () => {
    const [created] = await aws.connector.apply(TARGET_ID, [{ op: 'create', rule: blockRule('203.0.113.9/32', { priority: 150, direction: 'egress' }) }]);
    expect(created?.cloudId).toBe('egress:150');
    const [owned] = (await aws.connector.list(TARGET_ID)).filter((r) => r.owned);
    const [deleted] = await aws.connector.apply(TARGET_ID, [{ op: 'delete', rule: owned! }]);
    expect(deleted?.ok).toBe(true);
    expect(aclEntries().some((e) => e.ruleNumber === 150)).toBe(false);
  });

  it('updates an entry in place with ReplaceNetworkAclEntry', async () => {
    await aws.connector.apply(TARGET_ID, [{ op: 'create', rule: blockRule('203.0.113.9/32') }]);
    const [before] = (await aws.connector.list(TARGET_ID)).filter((r) => r.owned);
    const [updated] = await aws.connector.apply(TARGET_ID, [{ op: 'update', before: before!, rule: { ...before!, cidrs: ['203.0.113.0/24'] } }]);
    expect(updated?.calls.map((c) => c.operation)).toEqual(['DescribeNetworkAcls', 'ReplaceNetworkAclEntry']);
    expect(aclEntries().find((e) => e.ruleNumber === 100)?.cidrBlock).toBe('203.0.113.0/24');
  });
});

describe('idempotency (errors that mean success once confirmed)', () => {
  it('a create whose response was lost is retried, meets NetworkAclEntryAlreadyExists, and succeeds after a describe', async () => {
    aws.sim.loseNextResponses(1);
    const [result] = await aws.connector.apply(TARGET_ID, [{ op: 'create', rule: blockRule('203.0.113.7/32') }]);
    expect(result?.ok).toBe(true);
    expect(result?.calls.map((c) => c.operation)).toEqual(['DescribeNetworkAcls', 'CreateNetworkAclEntry', 'DescribeNetworkAcls']);
    expect(result?.calls[1]?.attempts.map((a) => a.code ?? 'ok')).toEqual(['InternalError', 'NetworkAclEntryAlreadyExists']);
    expect(aclEntries().filter((e) => e.cidrBlock === '203.0.113.7/32')).toHaveLength(1);
  });

  it('deleting an entry that is already gone is success after a describe confirms it', async () => {
    await aws.connector.apply(TARGET_ID, [{ op: 'create', rule: blockRule('203.0.113.7/32') }]);
    const [owned] = (await aws.connector.list(TARGET_ID)).filter((r) => r.owned);
    await aws.sim.controls.deleteOutOfBand(SEED_NACL_ID, owned!.cloudId!);
    const [result] = await aws.connector.apply(TARGET_ID, [{ op: 'delete', rule: owned! }]);
    expect(result?.ok).toBe(true);
    expect(result?.calls.map((c) => c.operation)).toEqual(['DescribeNetworkAcls', 'DeleteNetworkAclEntry', 'DescribeNetworkAcls']);
    expect(result?.calls[1]?.attempts[0]?.code).toBe('InvalidNetworkAclEntry.NotFound');
  });
});

describe('capacity (refused before any write, never evicting)', () => {
  it('plans only what fits: limits() counts the entries outside the band from the last listing', async () => {
    // Before any listing only the default rule is assumed; the seed ACL also has a foreign allow-all per direction.
    // The quota is per direction AND family (issue 9 item 1): 19 + 19, then 18 + 18 per direction.
    expect(aws.connector.limits(TARGET_ID, 'nacl').maxRulesPerDirection).toBe(38);
    expect(aws.connector.limits(TARGET_ID, 'nacl').perFamily?.ingress.ipv4).toEqual({ owned: 19, quota: 20, notOwned: 1 });
    await aws.connector.list(TARGET_ID);
    expect(aws.connector.limits(TARGET_ID, 'nacl').maxRulesPerDirection).toBe(36);
    expect(aws.connector.limits(TARGET_ID, 'nacl').perFamily?.ingress.ipv4).toEqual({ owned: 18, quota: 20, notOwned: 2 });
    // Foreign IPv6 entries use IPv6 room only.
    await aws.sim.controls.addForeignRule(SEED_NACL_ID, { ...blockRule('2001:db8:aa::/48'), cidrs: ['2001:db8:aa::/48', '2001:db8:ab::/48'], priority: 50, owned: false });
    await aws.connector.list(TARGET_ID);
    const { perFamily } = aws.connector.limits(TARGET_ID, 'nacl');
    expect([perFamily?.ingress.ipv4.owned, perFamily?.ingress.ipv6.owned, perFamily?.egress.ipv6.owned]).toEqual([18, 16, 18]);
  });

  it('places what fits, refuses the rest naming the ACL, the band and the counts, and evicts nothing', async () => {
    for (let i = 0; i < 16; i++) {
      await aws.sim.controls.addForeignRule(SEED_NACL_ID, { ...blockRule(`198.51.100.${i}/32`), action: 'allow', priority: 2000 + i, owned: false });
    }
    const before = aws.sim.controls.writeCalls();
    const foreignBefore = (await aws.connector.list(TARGET_ID)).filter((r) => !r.owned);
    const results = await aws.connector.apply(TARGET_ID, ['203.0.113.1/32', '203.0.113.2/32', '203.0.113.3/32'].map((cidr) => ({ op: 'create' as const, rule: blockRule(cidr) })));
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(results[2]?.error?.kind).toBe('capacity');
    expect(results[2]?.error?.message).toBe(
      `network ACL ${SEED_NACL_ID} cannot take 3 new ingress entries; 2 fit and 1 were refused (IPv4: 3 requested, 2 free (18 of 20 entries in use, including the default rule and 18 not owned by portcullis))`,
    );
    expect(aws.sim.controls.writeCalls()).toBe(before + 2);
    expect((await aws.connector.list(TARGET_ID)).filter((r) => !r.owned)).toEqual(foreignBefore);
  });

  it('counts the band: a band of two numbers takes two entries', async () => {
    aws.stop();
    aws = startAws({ target: { ruleNumberBand: { from: 100, to: 101 } } });
    const results = await aws.connector.apply(TARGET_ID, ['203.0.113.1/32', '203.0.113.2/32', '203.0.113.3/32'].map((cidr) => ({ op: 'create' as const, rule: blockRule(cidr) })));
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(results[2]?.error?.message).toContain('rule-number band 100-101: 2 numbers free');
    expect(aws.sim.controls.writeCalls()).toBe(2);
  });

  it('the cloud limit still answers as a quota error when the configured limit is above the real one', async () => {
    aws.stop();
    aws = startAws({ quotas: { naclEntriesPerDirection: 3 } });
    const results = await aws.connector.apply(TARGET_ID, ['203.0.113.1/32', '203.0.113.2/32'].map((cidr) => ({ op: 'create' as const, rule: blockRule(cidr) })));
    expect(results.map((r) => r.ok)).toEqual([true, false]);
    expect(results[1]?.error).toMatchObject({ kind: 'quota', code: 'NetworkAclEntryLimitExceeded', retryable: false });
  });
});

describe('ownership', () => {
  it('never deletes or replaces an entry outside the band, and sends nothing for it', async () => {
    const foreign = (await aws.connector.list(TARGET_ID)).find((r) => r.placement === 'nacl' && r.priority === 1000)!;
    const results = await aws.connector.apply(TARGET_ID, [
      { op: 'delete', rule: { ...foreign, owned: true } },
      { op: 'update', before: foreign, rule: { ...foreign, action: 'deny' } },
    ]);
    expect(results.map((r) => r.error?.kind)).toEqual(['validation', 'validation']);
    expect(results[0]?.error?.message).toContain('is not owned by portcullis');
    expect(aws.sim.controls.writeCalls()).toBe(0);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { azureNsgConfigSchema } from './config.ts';
import { type AzureSandbox, denyRule, manyPrefixes, startAzureSandbox, TEST_BAND, TEST_TARGET } from './harness.ts';
import { SIM_NSG_NAME } from './simulator/seed.ts';

let sandbox: AzureSandbox;
afterEach(() => sandbox?.close());

describe('validation before any call', () => {
  const cases: [string, ReturnType<typeof denyRule>, RegExp][] = [
    ['an invalid CIDR', denyRule(['203.0.113.300/32']), /not a CIDR/],
    ['host bits set', denyRule(['10.0.0.1/8']), /host bits/],
    ['a bare address without prefix', denyRule(['203.0.113.7']), /not a CIDR/],
    ['mixed families', denyRule(['203.0.113.7/32', '2001:db8::/64']), /cannot share one Azure rule/],
    ['a port out of range', denyRule(['203.0.113.7/32'], undefined, { protocol: 'tcp', ports: [{ from: 1, to: 70000 }] }), /0\.\.65535/],
    ['a priority outside the band', denyRule(['203.0.113.7/32'], 99), /outside the band 1002\.\.1999/],
    ['a quarantine priority', denyRule(['203.0.113.7/32'], TEST_BAND.from), /outside the band/],
    ['a placement Azure lacks', denyRule(['203.0.113.7/32'], undefined, { placement: 'nacl' }), /placement "nacl"/],
    ['a long description', denyRule(['203.0.113.7/32'], undefined, { description: 'x'.repeat(141) }), /at most 140/],
  ];
  for (const [what, rule, message] of cases) {
    it(`refuses ${what} with a clear message and zero calls`, async () => {
      sandbox = startAzureSandbox();
      expect(sandbox.connector.validate(TEST_TARGET, rule).join('\n')).toMatch(message);
      const [result] = await sandbox.connector.apply(TEST_TARGET, [{ op: 'create', rule }]);
      expect(result).toMatchObject({ ok: false, error: { kind: 'validation', retryable: false }, calls: [] });
      expect(sandbox.sim.controls.requests()).toEqual([]);
    });
  }

  it('refuses IPv6 on an IPv4-only target', () => {
    sandbox = startAzureSandbox({
      config: { targets: [{ id: TEST_TARGET, resourceGroup: 'rg-portcullis', nsgName: SIM_NSG_NAME, priorityBand: TEST_BAND, ipv6: false }] },
    });
    expect(sandbox.connector.validate(TEST_TARGET, denyRule(['2001:db8::/64']))).toEqual([
      `"2001:db8::/64" is IPv6 but target ${TEST_TARGET} (NSG ${SIM_NSG_NAME}) is IPv4-only`,
    ]);
  });

  it('refuses a rule name Azure would reject (prefix ending in a dot leaves a valid name, a bad cloudId does not)', () => {
    sandbox = startAzureSandbox();
    expect(sandbox.connector.validate(TEST_TARGET, { ...denyRule(['203.0.113.7/32']), cloudId: 'portcullis-bad-' })).toEqual([
      expect.stringMatching(/is not valid on Azure/),
    ]);
  });

  it('accepts a good rule', () => {
    sandbox = startAzureSandbox();
    expect(sandbox.connector.validate(TEST_TARGET, denyRule(['203.0.113.7/32', '198.51.100.0/24']))).toEqual([]);
  });
});

describe('ownership: foreign rules are never touched', () => {
  it('lists foreign rules as not owned and refuses to update or delete them, with no write', async () => {
    sandbox = startAzureSandbox();
    await sandbox.sim.controls.addForeignRule(SIM_NSG_NAME, denyRule(['192.0.2.0/24'], 500, { owned: false, cloudId: 'allow-office' }));
    const [foreign] = await sandbox.connector.list(TEST_TARGET);
    expect(foreign).toMatchObject({ cloudId: 'allow-office', owned: false });
    const forged = { ...(foreign as NonNullable<typeof foreign>), owned: true };
    const results = await sandbox.connector.apply(TEST_TARGET, [
      { op: 'delete', rule: forged },
      { op: 'update', before: forged, rule: denyRule(['192.0.2.0/24']) },
    ]);
    expect(results.map((r) => r.error?.message)).toEqual([
      expect.stringMatching(/does not carry the ownership prefix|not owned/),
      expect.stringMatching(/not owned/),
    ]);
    expect(sandbox.sim.controls.writeCalls()).toBe(0);
    expect(await sandbox.connector.list(TEST_TARGET)).toHaveLength(1);
  });
});

describe('capacity and quota', () => {
  it('refuses before writing when the NSG would pass 4,000 source prefixes, naming the NSG', async () => {
    sandbox = startAzureSandbox();
    await sandbox.sim.controls.addForeignRule(SIM_NSG_NAME, denyRule(manyPrefixes(3999), 3000, { owned: false, cloudId: 'bulk' }));
    const [result] = await sandbox.connector.apply(TEST_TARGET, [{ op: 'create', rule: denyRule(manyPrefixes(2, 5000)) }]);
    expect(result?.error).toMatchObject({ kind: 'capacity', retryable: false });
    expect(result?.error?.message).toContain(`NSG ${SIM_NSG_NAME} would hold 4001 source address prefixes`);
    expect(sandbox.sim.controls.writeCalls()).toBe(0);
  });

  it('refuses the 1,001st rule before writing', async () => {
    sandbox = startAzureSandbox();
    for (let i = 0; i < 1000; i++) {
      await sandbox.sim.controls.addForeignRule(SIM_NSG_NAME, denyRule([`10.1.${i >> 8}.${i & 255}/32`], 2100 + (i % 1000), { owned: false, cloudId: `c${i}`, direction: i < 500 ? 'ingress' : 'egress' }));
    }
    const [result] = await sandbox.connector.apply(TEST_TARGET, [{ op: 'create', rule: denyRule(['203.0.113.7/32']) }]);
    expect(result?.error).toMatchObject({ kind: 'capacity' });
    expect(result?.error?.message).toMatch(/would hold 1001 security rules/);
    expect(sandbox.sim.controls.writeCalls()).toBe(0);
  });

  it('a lowered cloud quota the connector cannot know surfaces as quota, not retried', async () => {
    sandbox = startAzureSandbox({ sim: { quotas: { rulesPerNsg: 1 } } });
    await sandbox.connector.apply(TEST_TARGET, [{ op: 'create', rule: denyRule(['203.0.113.7/32']) }]);
    const [second] = await sandbox.connector.apply(TEST_TARGET, [{ op: 'create', rule: denyRule(['203.0.113.8/32'], TEST_BAND.from + 11) }]);
    expect(second?.error).toMatchObject({ kind: 'quota', code: 'SecurityRuleCountLimitReached', retryable: false, status: 400 });
    expect(second?.calls.at(-1)?.attempts).toHaveLength(1);
  });

  it('SecurityRuleConflict (same priority and direction as a foreign rule) is a validation error', async () => {
    sandbox = startAzureSandbox();
    await sandbox.sim.controls.addForeignRule(SIM_NSG_NAME, denyRule(['192.0.2.0/24'], TEST_BAND.from + 10, { owned: false, cloudId: 'squatter' }));
    const [result] = await sandbox.connector.apply(TEST_TARGET, [{ op: 'create', rule: denyRule(['203.0.113.7/32']) }]);
    expect(result?.error).toMatchObject({ kind: 'validation', code: 'SecurityRuleConflict', retryable: false });
    expect(result?.error?.message).toMatch(/conflicts with rule squatter/);
  });
});

describe('check', () => {
  it('reads the NSG and the NICs and reports foreign rules inside the band', async () => {
    sandbox = startAzureSandbox();
    expect((await sandbox.connector.check(TEST_TARGET)).ok).toBe(true);
    await sandbox.sim.controls.addForeignRule(SIM_NSG_NAME, denyRule(['192.0.2.0/24'], TEST_BAND.from + 50, { owned: false, cloudId: 'squatter' }));
    const result = await sandbox.connector.check(TEST_TARGET);
    expect(result.ok).toBe(false);
    expect(result.checks.find((c) => c.name === 'band.free')?.detail).toContain('squatter@1050');
  });

  it('reports a missing NSG', async () => {
    sandbox = startAzureSandbox({
      config: { targets: [{ id: TEST_TARGET, resourceGroup: 'rg-portcullis', nsgName: 'nsg-missing', priorityBand: TEST_BAND }] },
    });
    const result = await sandbox.connector.check(TEST_TARGET);
    expect(result.ok).toBe(false);
    expect(result.checks[0]?.detail).toMatch(/not_found ResourceNotFound/);
  });
});

describe('config schema', () => {
  const base = {
    subscriptionId: 'sub',
    credentials: { source: 'default' },
    targets: [{ id: 't', resourceGroup: 'rg', nsgName: 'nsg', priorityBand: { from: 100, to: 200 } }],
  };
  it('fills defaults', () => {
    const parsed = azureNsgConfigSchema.parse(base);
    expect(parsed).toMatchObject({ endpoint: 'https://management.azure.com', namePrefix: 'portcullis-', targets: [{ ipv6: true }] });
  });
  it('refuses a band outside 100..4096, unknown keys, and http with real credentials', () => {
    const bad = (patch: object) => azureNsgConfigSchema.safeParse({ ...base, ...patch }).success;
    expect(bad({ targets: [{ ...base.targets[0], priorityBand: { from: 50, to: 200 } }] })).toBe(false);
    expect(bad({ extra: 1 })).toBe(false);
    expect(bad({ endpoint: 'http://127.0.0.1:8080' })).toBe(false);
    expect(bad({ endpoint: 'http://127.0.0.1:8080', credentials: { source: 'simulator' } })).toBe(true);
    expect(bad({ credentials: { tenantId: 't', clientId: 'c', clientSecret: { env: 'AZURE_SECRET' } } })).toBe(true);
    expect(bad({ credentials: { tenantId: 't', clientId: 'c', clientSecret: 'inline' } })).toBe(false);
  });
});

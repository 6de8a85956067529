import { afterEach, describe, expect, it } from 'vitest';
import { type AzureSandbox, denyRule, startAzureSandbox, TEST_BAND, TEST_TARGET } from './harness.ts';
import { SIM_NSG_NAME } from './simulator/seed.ts';

let sandbox: AzureSandbox;
afterEach(() => sandbox?.close());

describe('apply: happy path through the real SDK', () => {
  it('creates a deny rule with many prefixes, follows the LRO and lists it back as owned', async () => {
    sandbox = startAzureSandbox();
    const rule = denyRule(['203.0.113.7/32', '198.51.100.0/24']);
    const [result] = await sandbox.connector.apply(TEST_TARGET, [{ op: 'create', rule }]);
    expect(result?.ok).toBe(true);
    expect(result?.cloudId).toBe(`portcullis-in-${TEST_BAND.from + 10}`);
    const put = result?.calls.find((c) => c.operation === 'SecurityRules_CreateOrUpdate');
    expect(put?.requestId).toMatch(/[0-9a-f-]{36}/);
    expect(put?.attempts).toHaveLength(1);

    const listed = await sandbox.connector.list(TEST_TARGET);
    expect(listed).toEqual([
      expect.objectContaining({
        cloudId: result?.cloudId,
        owned: true,
        action: 'deny',
        direction: 'ingress',
        protocol: 'all',
        cidrs: ['203.0.113.7/32', '198.51.100.0/24'],
        priority: TEST_BAND.from + 10,
      }),
    ]);
  });

  it('writes the ARM shape Azure expects: plural prefixes, port ranges, Allow on egress', async () => {
    sandbox = startAzureSandbox();
    const rule = denyRule(['192.0.2.0/24', '198.51.100.0/24'], TEST_BAND.from + 5, {
      direction: 'egress',
      action: 'allow',
      protocol: 'tcp',
      ports: [{ from: 443, to: 443 }, { from: 8000, to: 8080 }],
    });
    await sandbox.connector.apply(TEST_TARGET, [{ op: 'create', rule }]);
    const body = (await (
      await sandbox.sim.fetch(
        new Request(
          `https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-portcullis/providers/Microsoft.Network/networkSecurityGroups/${SIM_NSG_NAME}/securityRules/portcullis-out-1005?api-version=2024-05-01`,
          { headers: { authorization: 'Bearer x' } },
        ),
      )
    ).json()) as { properties: Record<string, unknown> };
    expect(body.properties).toMatchObject({
      provisioningState: 'Succeeded',
      access: 'Allow',
      direction: 'Outbound',
      protocol: 'Tcp',
      destinationAddressPrefixes: ['192.0.2.0/24', '198.51.100.0/24'],
      sourceAddressPrefix: '*',
      destinationPortRanges: ['443', '8000-8080'],
      priority: 1005,
    });
  });

  it('updates in place when the slot is unchanged and moves the rule when the priority changes', async () => {
    sandbox = startAzureSandbox();
    const [created] = await sandbox.connector.apply(TEST_TARGET, [{ op: 'create', rule: denyRule(['203.0.113.7/32']) }]);
    const before = { ...denyRule(['203.0.113.7/32']), cloudId: created?.cloudId };
    const [inPlace] = await sandbox.connector.apply(TEST_TARGET, [
      { op: 'update', before, rule: denyRule(['203.0.113.7/32', '203.0.113.8/32']) },
    ]);
    expect(inPlace?.ok).toBe(true);
    expect(inPlace?.cloudId).toBe(created?.cloudId);
    const [moved] = await sandbox.connector.apply(TEST_TARGET, [
      { op: 'update', before, rule: denyRule(['203.0.113.7/32'], TEST_BAND.from + 20) },
    ]);
    expect(moved?.ok).toBe(true);
    expect(moved?.calls.map((c) => c.operation)).toEqual(['SecurityRules_List', 'SecurityRules_CreateOrUpdate', 'SecurityRules_Delete']);
    const listed = await sandbox.connector.list(TEST_TARGET);
    expect(listed.map((r) => [r.cloudId, r.priority])).toEqual([['portcullis-in-1020', 1020]]);
  });

  it('deletes an owned rule (202 + LRO) and treats an absent rule as deleted (204)', async () => {
    sandbox = startAzureSandbox();
    const [created] = await sandbox.connector.apply(TEST_TARGET, [{ op: 'create', rule: denyRule(['203.0.113.7/32']) }]);
    const rule = { ...denyRule(['203.0.113.7/32']), cloudId: created?.cloudId };
    const [deleted] = await sandbox.connector.apply(TEST_TARGET, [{ op: 'delete', rule }]);
    expect(deleted?.ok).toBe(true);
    expect(await sandbox.connector.list(TEST_TARGET)).toEqual([]);
    const [again] = await sandbox.connector.apply(TEST_TARGET, [{ op: 'delete', rule }]);
    expect(again?.ok).toBe(true);
  });

  it('replaying the same create is an idempotent PUT of the same name', async () => {
    sandbox = startAzureSandbox();
    const change = { op: 'create' as const, rule: denyRule(['203.0.113.7/32']) };
    await sandbox.connector.apply(TEST_TARGET, [change]);
    const [replay] = await sandbox.connector.apply(TEST_TARGET, [change]);
    expect(replay?.ok).toBe(true);
    expect(await sandbox.connector.list(TEST_TARGET)).toHaveLength(1);
  });
});

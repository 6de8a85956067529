import { afterEach, describe, expect, it } from 'vitest';
import { type AzureSandbox, startAzureSandbox, TEST_BAND, TEST_TARGET } from './harness.ts';
import { SIM_NIC_NAME, SIM_NSG_NAME, SIM_PRIVATE_IP, SIM_PRIVATE_IPV6, SIM_VM_NAME } from './simulator/seed.ts';

let sandbox: AzureSandbox;
afterEach(() => sandbox?.close());

describe('quarantine and release', () => {
  it('isolates the VM with deny-all pairs at the top of the band and releases it exactly', async () => {
    sandbox = startAzureSandbox();
    const before = sandbox.sim.controls.hostState(SIM_VM_NAME);
    const quarantined = await sandbox.connector.quarantine(TEST_TARGET, SIM_VM_NAME);
    expect(quarantined.ok).toBe(true);
    expect(quarantined.previous).toMatchObject({ addresses: [`${SIM_PRIVATE_IP}/32`, `${SIM_PRIVATE_IPV6}/128`].sort() });
    const state = sandbox.sim.controls.hostState(SIM_VM_NAME) as { isolatedBy: string[] };
    expect(state.isolatedBy).toEqual(
      [
        `${SIM_NSG_NAME}/portcullis-quarantine-in Inbound ${SIM_PRIVATE_IP}`,
        `${SIM_NSG_NAME}/portcullis-quarantine-out Outbound ${SIM_PRIVATE_IP}`,
        `${SIM_NSG_NAME}/portcullis-quarantine-in6 Inbound ${SIM_PRIVATE_IPV6}`,
        `${SIM_NSG_NAME}/portcullis-quarantine-out6 Outbound ${SIM_PRIVATE_IPV6}`,
      ].sort(),
    );
    const rules = await sandbox.connector.list(TEST_TARGET);
    expect(rules.map((r) => [r.cloudId, r.priority, r.owned]).sort()).toEqual([
      ['portcullis-quarantine-in', TEST_BAND.from, false],
      ['portcullis-quarantine-in6', TEST_BAND.from + 1, false],
      ['portcullis-quarantine-out', TEST_BAND.from, false],
      ['portcullis-quarantine-out6', TEST_BAND.from + 1, false],
    ]);

    const released = await sandbox.connector.release(TEST_TARGET, SIM_VM_NAME, quarantined.previous);
    expect(released.ok).toBe(true);
    expect(sandbox.sim.controls.hostState(SIM_VM_NAME)).toEqual(before);
    expect(await sandbox.connector.list(TEST_TARGET)).toEqual([]);
  });

  it('is idempotent: a second quarantine writes nothing, a second release writes nothing', async () => {
    sandbox = startAzureSandbox();
    const first = await sandbox.connector.quarantine(TEST_TARGET, SIM_NIC_NAME);
    const writes = sandbox.sim.controls.writeCalls();
    const second = await sandbox.connector.quarantine(TEST_TARGET, SIM_NIC_NAME);
    expect(second.ok).toBe(true);
    expect(sandbox.sim.controls.writeCalls()).toBe(writes);
    expect(second.previous).toEqual(first.previous);
    await sandbox.connector.release(TEST_TARGET, SIM_NIC_NAME, second.previous);
    const afterRelease = sandbox.sim.controls.writeCalls();
    const again = await sandbox.connector.release(TEST_TARGET, SIM_NIC_NAME, first.previous);
    expect(again.ok).toBe(true);
    expect(sandbox.sim.controls.writeCalls()).toBe(afterRelease);
  });

  it('release without a usable previous looks the host up again', async () => {
    sandbox = startAzureSandbox();
    const before = sandbox.sim.controls.hostState(SIM_VM_NAME);
    await sandbox.connector.quarantine(TEST_TARGET, SIM_VM_NAME);
    expect((await sandbox.connector.release(TEST_TARGET, SIM_VM_NAME, undefined)).ok).toBe(true);
    expect(sandbox.sim.controls.hostState(SIM_VM_NAME)).toEqual(before);
  });

  it('an IPv4-only target quarantines only the IPv4 address', async () => {
    sandbox = startAzureSandbox({
      config: { targets: [{ id: TEST_TARGET, resourceGroup: 'rg-portcullis', nsgName: SIM_NSG_NAME, priorityBand: TEST_BAND, ipv6: false }] },
    });
    const result = await sandbox.connector.quarantine(TEST_TARGET, SIM_VM_NAME);
    expect(result.previous).toMatchObject({ addresses: [`${SIM_PRIVATE_IP}/32`] });
    expect((await sandbox.connector.list(TEST_TARGET)).map((r) => r.cloudId).sort()).toEqual(['portcullis-quarantine-in', 'portcullis-quarantine-out']);
  });

  it('an unknown host is not_found, with no write', async () => {
    sandbox = startAzureSandbox();
    const result = await sandbox.connector.quarantine(TEST_TARGET, 'vm-nope');
    expect(result).toMatchObject({ ok: false, error: { kind: 'not_found', code: 'HostNotFound' } });
    expect(sandbox.sim.controls.writeCalls()).toBe(0);
  });

  it('quarantine rules survive a reconciler that deletes every owned rule it does not want', async () => {
    sandbox = startAzureSandbox();
    await sandbox.connector.quarantine(TEST_TARGET, SIM_VM_NAME);
    const rules = await sandbox.connector.list(TEST_TARGET);
    const results = await sandbox.connector.apply(
      TEST_TARGET,
      rules.map((rule) => ({ op: 'delete' as const, rule: { ...rule, owned: true } })),
    );
    expect(results.every((r) => !r.ok && r.error?.kind === 'validation')).toBe(true);
    expect((await sandbox.connector.list(TEST_TARGET)).length).toBe(4);
  });
});

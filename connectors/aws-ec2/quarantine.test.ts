import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAws, TARGET_ID } from './harness.ts';
import { SEED_APP_SG_ID, SEED_ENI_IDS, SEED_INSTANCE_ID, SEED_SG_ID } from './simulator/seed.ts';

let aws: ReturnType<typeof startAws>;
beforeEach(() => {
  aws = startAws();
});
afterEach(() => aws.stop());

const quarantineGroups = () => [...aws.sim.state.securityGroups.values()].filter((g) => g.tags.get('portcullis:quarantine') === 'true');

describe('quarantine and release', () => {
  it('isolates every interface, records the previous groups, and release restores them exactly', async () => {
    const original = aws.sim.controls.hostState(SEED_INSTANCE_ID);
    const quarantined = await aws.connector.quarantine(TARGET_ID, SEED_INSTANCE_ID);
    expect(quarantined.ok).toBe(true);
    const [group] = quarantineGroups();
    expect(group).toBeDefined();
    expect(quarantined.previous).toEqual({
      quarantineGroupId: group?.groupId,
      interfaces: { [SEED_ENI_IDS[0]]: [SEED_SG_ID], [SEED_ENI_IDS[1]]: [SEED_SG_ID, SEED_APP_SG_ID] },
    });
    // The quarantine group allows nothing: no inbound and its default egress revoked.
    expect([...aws.sim.state.securityGroupRules.values()].filter((r) => r.groupId === group?.groupId)).toEqual([]);
    expect(aws.sim.controls.hostState(SEED_INSTANCE_ID)).toEqual({
      [SEED_ENI_IDS[0]]: { groups: [group?.groupId], tags: { 'portcullis:previous-groups': SEED_SG_ID } },
      [SEED_ENI_IDS[1]]: { groups: [group?.groupId], tags: { 'portcullis:previous-groups': `${SEED_SG_ID} ${SEED_APP_SG_ID}` } },
    });

    const released = await aws.connector.release(TARGET_ID, SEED_INSTANCE_ID, quarantined.previous);
    expect(released.ok).toBe(true);
    expect(aws.sim.controls.hostState(SEED_INSTANCE_ID)).toEqual(original);
  });

  it('is idempotent: a second quarantine reuses the group, changes nothing, and returns the same record', async () => {
    const first = await aws.connector.quarantine(TARGET_ID, SEED_INSTANCE_ID);
    const writes = aws.sim.controls.writeCalls();
    const second = await aws.connector.quarantine(TARGET_ID, SEED_INSTANCE_ID);
    expect(second.previous).toEqual(first.previous);
    expect(aws.sim.controls.writeCalls()).toBe(writes);
    expect(quarantineGroups()).toHaveLength(1);
    await aws.connector.release(TARGET_ID, SEED_INSTANCE_ID, first.previous);
    const afterRelease = aws.sim.controls.writeCalls();
    expect((await aws.connector.release(TARGET_ID, SEED_INSTANCE_ID, first.previous)).ok).toBe(true);
    expect(aws.sim.controls.writeCalls()).toBe(afterRelease);
  });

  it('a crash after tagging loses nothing: release from the ENI tags alone restores the groups', async () => {
    const original = aws.sim.controls.hostState(SEED_INSTANCE_ID);
    aws.sim.denyActions(['ModifyNetworkInterfaceAttribute']);
    const failed = await aws.connector.quarantine(TARGET_ID, SEED_INSTANCE_ID);
    expect(failed.ok).toBe(false);
    expect(failed.error?.kind).toBe('permission');
    // Here the record exists only on the ENI; release without `previous` reads it back and cleans up.
    const released = await aws.connector.release(TARGET_ID, SEED_INSTANCE_ID, undefined);
    expect(released.ok).toBe(true);
    expect(aws.sim.controls.hostState(SEED_INSTANCE_ID)).toEqual(original);
  });

  it('finishes a quarantine group whose egress revoke was interrupted', async () => {
    aws.sim.denyActions(['RevokeSecurityGroupEgress']);
    expect((await aws.connector.quarantine(TARGET_ID, SEED_INSTANCE_ID)).ok).toBe(false);
    const [group] = quarantineGroups();
    expect([...aws.sim.state.securityGroupRules.values()].some((r) => r.groupId === group?.groupId)).toBe(true);
    aws.stop();
    aws = startAws();
    aws.sim.state.securityGroups.set(group!.groupId, group!);
    aws.sim.state.securityGroupRules.set('sgr-00000000000000abc', { securityGroupRuleId: 'sgr-00000000000000abc', groupId: group!.groupId, isEgress: true, ipProtocol: '-1', fromPort: -1, toPort: -1, cidrIpv4: '0.0.0.0/0', tags: new Map() });
    expect((await aws.connector.quarantine(TARGET_ID, SEED_INSTANCE_ID)).ok).toBe(true);
    expect(quarantineGroups()).toHaveLength(1);
    expect([...aws.sim.state.securityGroupRules.values()].some((r) => r.groupId === group?.groupId)).toBe(false);
  });

  it('reports an unknown host as not_found', async () => {
    const result = await aws.connector.quarantine(TARGET_ID, 'i-0000000000000dead');
    expect(result.error).toMatchObject({ kind: 'not_found' });
  });
});

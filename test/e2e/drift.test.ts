import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Ec2Simulator } from '../../connectors/aws-ec2/simulator/index.ts';
import { SEED_NACL_ID } from '../../connectors/aws-ec2/simulator/seed.ts';
import { type E2E, startE2E, withoutPlacementChains } from '../support/e2e.ts';

let e: E2E;
beforeEach(async () => {
  // The AWS target as its network ACL alone (the sandbox's chain would overflow these blocks onto WAF).
  e = await startE2E({ config: withoutPlacementChains });
});
afterEach(async () => {
  await e.close();
});

const v4 = (n: number) => `203.0.113.${2 * n + 1}`;
const acl = () => (e.sims.aws as Ec2Simulator).state.networkAcls.get(SEED_NACL_ID)!;
const ingress = (ruleNumber: number) => acl().entries.find((x) => !x.egress && x.ruleNumber === ruleNumber);
const healedEvents = async (target: string) =>
  (await e.services.store.auditAfter(0, 100_000)).filter((a) => a.action === 'drift.healed' && a.target === target);

describe('drift is recorded whenever it is healed', () => {
  it('also while another intent on the target is refused for capacity', async () => {
    await e.run('block-ip', { indicators: Array.from({ length: 18 }, (_, i) => v4(i)), direction: 'ingress' });
    const refused = await e.run('block-ip', { indicators: v4(40), direction: 'ingress' });
    expect(refused.run.targets.find((t) => t.connector === 'aws-sandbox')?.state).toBe('failed');

    const mine = ((await e.connectors.get('aws-sandbox')?.list('edge')) ?? []).find((r) => r.owned && r.cidrs.includes(`${v4(3)}/32`));
    await e.sims.aws.controls.deleteOutOfBand(SEED_NACL_ID, mine?.cloudId ?? '');
    await e.reconciler.healAll();

    const listed = (await e.connectors.get('aws-sandbox')?.list('edge')) ?? [];
    expect(listed.some((r) => r.owned && r.cidrs.includes(`${v4(3)}/32`))).toBe(true);
    const healed = await healedEvents('aws-sandbox/edge');
    expect(healed).toHaveLength(1);
    expect(healed[0]).toMatchObject({ outcome: 'success', detail: { restored: 1, removed: 0, cidrs: [`${v4(3)}/32`] } });
  });

  it('nothing is recorded as drift when nothing drifted (a pass that only retries a refusal)', async () => {
    await e.run('block-ip', { indicators: Array.from({ length: 18 }, (_, i) => v4(i)), direction: 'ingress' });
    await e.run('block-ip', { indicators: v4(40), direction: 'ingress' });
    await e.reconciler.healAll();
    expect(await healedEvents('aws-sandbox/edge')).toEqual([]);
  });
});

describe('heal in place', () => {
  it('an owned NACL entry changed out of band is replaced at its own rule number, never deleted first', async () => {
    await e.run('block-ip', { indicators: [v4(1), v4(2)], direction: 'ingress' });
    const entry = ingress(100);
    expect(entry).toMatchObject({ ruleAction: 'deny', cidrBlock: `${v4(1)}/32` });
    // Someone turns our deny into an allow on another protocol and address in the console.
    Object.assign(entry!, { ruleAction: 'allow', protocol: '6', portRange: { from: 22, to: 22 }, cidrBlock: '198.51.100.7/32' });
    const actionsBefore = (e.sims.aws as Ec2Simulator).actions.length;

    await e.reconciler.healAll();
    const writes = (e.sims.aws as Ec2Simulator).actions.slice(actionsBefore).filter((a) => !a.startsWith('Describe'));
    expect(writes).toEqual(['ReplaceNetworkAclEntry']);
    expect(ingress(100)).toMatchObject({ ruleAction: 'deny', protocol: '-1', cidrBlock: `${v4(1)}/32` });
    expect(ingress(101)).toMatchObject({ ruleAction: 'deny', cidrBlock: `${v4(2)}/32` });
    const healed = await healedEvents('aws-sandbox/edge');
    expect(healed).toHaveLength(1);
    expect(healed[0]).toMatchObject({ outcome: 'success', detail: { restored: 1 } });
  });

  it('an owned entry whose address was changed out of band is replaced in place too', async () => {
    await e.run('block-ip', { indicators: v4(1), direction: 'ingress' });
    Object.assign(ingress(100)!, { cidrBlock: '198.51.100.9/32' });
    const actionsBefore = (e.sims.aws as Ec2Simulator).actions.length;
    await e.reconciler.healAll();
    const writes = (e.sims.aws as Ec2Simulator).actions.slice(actionsBefore).filter((a) => !a.startsWith('Describe'));
    expect(writes).toEqual(['ReplaceNetworkAclEntry']);
    expect(ingress(100)).toMatchObject({ ruleAction: 'deny', cidrBlock: `${v4(1)}/32` });
  });
});

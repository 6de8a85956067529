import type { Ec2State, NaclEntry } from './state.ts';
import { tagsFrom } from './state.ts';

/**
 * The default seed: region us-east-1, one dual-stack VPC, one custom network ACL on its subnet, one
 * security group, and one instance with two network interfaces. The sandbox config points a target at
 * these ids. The ACL's allow-all entries sit at 1000/1001 so that deny entries in the default
 * portcullis band (100..199) are evaluated first, as they must be to have any effect.
 */
export const SEED_ACCOUNT_ID = '123456789012';
export const SEED_REGION = 'us-east-1';
export const SEED_VPC_ID = 'vpc-0a1b2c3d4e5f60001';
export const SEED_SUBNET_ID = 'subnet-0a1b2c3d4e5f60001';
export const SEED_NACL_ID = 'acl-0a1b2c3d4e5f60001';
export const SEED_SG_ID = 'sg-0a1b2c3d4e5f60001';
export const SEED_APP_SG_ID = 'sg-0a1b2c3d4e5f60002';
export const SEED_INSTANCE_ID = 'i-0a1b2c3d4e5f60001';
export const SEED_ENI_IDS = ['eni-0a1b2c3d4e5f60001', 'eni-0a1b2c3d4e5f60002'] as const;

function allTraffic(ruleNumber: number, egress: boolean, ruleAction: 'allow' | 'deny', ipv6: boolean): NaclEntry {
  return ipv6
    ? { ruleNumber, egress, protocol: '-1', ruleAction, ipv6CidrBlock: '::/0' }
    : { ruleNumber, egress, protocol: '-1', ruleAction, cidrBlock: '0.0.0.0/0' };
}

export function seedState(): Ec2State {
  const state: Ec2State = {
    accountId: SEED_ACCOUNT_ID,
    region: SEED_REGION,
    vpcs: new Map(),
    networkAcls: new Map(),
    securityGroups: new Map(),
    securityGroupRules: new Map(),
    networkInterfaces: new Map(),
    instances: new Map(),
    nextId: 0x1000,
  };
  state.vpcs.set(SEED_VPC_ID, { vpcId: SEED_VPC_ID, cidrBlock: '10.0.0.0/16', ipv6CidrBlock: '2600:1f18:1234:5600::/56' });
  const entries: NaclEntry[] = [];
  for (const egress of [false, true]) {
    entries.push(allTraffic(1000, egress, 'allow', false), allTraffic(1001, egress, 'allow', true));
    entries.push(allTraffic(32767, egress, 'deny', false), allTraffic(32768, egress, 'deny', true));
  }
  state.networkAcls.set(SEED_NACL_ID, {
    networkAclId: SEED_NACL_ID,
    vpcId: SEED_VPC_ID,
    isDefault: false,
    entries,
    subnetIds: [SEED_SUBNET_ID],
    tags: tagsFrom({ Name: 'app-subnets' }),
  });
  state.securityGroups.set(SEED_SG_ID, {
    groupId: SEED_SG_ID,
    groupName: 'web',
    description: 'web tier',
    vpcId: SEED_VPC_ID,
    tags: tagsFrom({ Name: 'web' }),
  });
  state.securityGroups.set(SEED_APP_SG_ID, {
    groupId: SEED_APP_SG_ID,
    groupName: 'app',
    description: 'app tier',
    vpcId: SEED_VPC_ID,
    tags: tagsFrom({ Name: 'app' }),
  });
  // Every new group gets EC2's default egress rule (all traffic out), as AWS does.
  for (const groupId of [SEED_SG_ID, SEED_APP_SG_ID]) {
    const id = `sgr-${groupId.slice(3)}`;
    state.securityGroupRules.set(id, {
      securityGroupRuleId: id,
      groupId,
      isEgress: true,
      ipProtocol: '-1',
      fromPort: -1,
      toPort: -1,
      cidrIpv4: '0.0.0.0/0',
      tags: new Map(),
    });
  }
  state.instances.set(SEED_INSTANCE_ID, { instanceId: SEED_INSTANCE_ID, vpcId: SEED_VPC_ID, subnetId: SEED_SUBNET_ID });
  SEED_ENI_IDS.forEach((networkInterfaceId, deviceIndex) => {
    state.networkInterfaces.set(networkInterfaceId, {
      networkInterfaceId,
      vpcId: SEED_VPC_ID,
      subnetId: SEED_SUBNET_ID,
      availabilityZone: 'us-east-1a',
      description: deviceIndex === 0 ? 'primary' : 'secondary',
      macAddress: `0e:6e:df:72:78:a${deviceIndex}`,
      privateIpAddress: `10.0.1.${10 + deviceIndex}`,
      instanceId: SEED_INSTANCE_ID,
      deviceIndex,
      attachTime: '2026-01-01T00:00:00.000Z',
      // The second ENI carries two groups so that release must restore a set, not one id.
      groupIds: deviceIndex === 0 ? [SEED_SG_ID] : [SEED_SG_ID, SEED_APP_SG_ID],
      tags: new Map(),
    });
  });
  return state;
}

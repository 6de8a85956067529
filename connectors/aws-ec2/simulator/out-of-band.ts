import type { NormalizedRule } from '../../../src/connectors/types.ts';
import { familyOfText } from '../../../src/net/index.ts';
import type { Ec2Quotas } from './context.ts';
import { type Ec2State, newId, type NaclEntry } from './state.ts';

/**
 * Changes made "in the console": the simulator's side door for tests (foreign rules, drift).
 * They obey the same quotas as the API, because the console does too.
 */
const NACL_PROTOCOL = { tcp: '6', udp: '17', icmp: '1', all: '-1' } as const;

function addNaclEntries(state: Ec2State, quotas: Ec2Quotas, aclId: string, rule: NormalizedRule): void {
  const acl = state.networkAcls.get(aclId);
  if (!acl) throw new Error(`no network ACL ${aclId} in the simulator`);
  const egress = rule.direction === 'egress';
  rule.cidrs.forEach((cidr, i) => {
    const ruleNumber = rule.priority + i;
    if (acl.entries.some((e) => e.egress === egress && e.ruleNumber === ruleNumber)) {
      throw new Error(`${aclId} already has a ${rule.direction} entry ${ruleNumber}`);
    }
    const family = familyOfText(cidr);
    const sameKind = acl.entries.filter((e) => e.egress === egress && familyOfText(e.cidrBlock ?? e.ipv6CidrBlock ?? '') === family);
    if (sameKind.length >= quotas.naclEntriesPerDirection) throw new Error(`${aclId} is full (${rule.direction}, ${family})`);
    let protocol: string = NACL_PROTOCOL[rule.protocol];
    if (rule.protocol === 'icmp' && family === 'ipv6') protocol = '58';
    const entry: NaclEntry = { ruleNumber, egress, protocol, ruleAction: rule.action };
    if (family === 'ipv6') entry.ipv6CidrBlock = cidr;
    else entry.cidrBlock = cidr;
    if (rule.protocol === 'tcp' || rule.protocol === 'udp') entry.portRange = rule.ports[0] ?? { from: 0, to: 65535 };
    if (rule.protocol === 'icmp') entry.icmpTypeCode = { type: -1, code: -1 };
    acl.entries.push(entry);
  });
}

function addSecurityGroupRules(state: Ec2State, groupId: string, rule: NormalizedRule): void {
  if (!state.securityGroups.has(groupId)) throw new Error(`no security group ${groupId} in the simulator`);
  if (rule.action !== 'allow') throw new Error('security groups hold allow rules only');
  const ipProtocol = rule.protocol === 'all' ? '-1' : rule.protocol;
  const ports = rule.ports.length > 0 ? rule.ports : [ipProtocol === 'tcp' || ipProtocol === 'udp' ? { from: 0, to: 65535 } : { from: -1, to: -1 }];
  const peers = rule.sourceGroup ? [{ referencedGroupId: rule.sourceGroup }] : rule.cidrs.map((cidr) => (familyOfText(cidr) === 'ipv6' ? { cidrIpv6: cidr } : { cidrIpv4: cidr }));
  for (const { from, to } of ports) {
    for (const peer of peers) {
      const id = newId(state, 'sgr');
      state.securityGroupRules.set(id, {
        securityGroupRuleId: id,
        groupId,
        isEgress: rule.direction === 'egress',
        ipProtocol,
        fromPort: ipProtocol === '-1' ? -1 : from,
        toPort: ipProtocol === '-1' ? -1 : to,
        ...peer,
        description: rule.description ?? 'added in the console',
        tags: new Map(),
      });
    }
  }
}

export function addForeignRule(state: Ec2State, quotas: Ec2Quotas, resource: string, rule: NormalizedRule): void {
  if (resource.startsWith('acl-')) addNaclEntries(state, quotas, resource, rule);
  else addSecurityGroupRules(state, resource, rule);
}

/** Deletes by the connector's cloud id: "ingress:110" for NACL entries, "sgr-…[,sgr-…]" for SG rules. */
export function deleteOutOfBand(state: Ec2State, resource: string, cloudId: string): void {
  if (resource.startsWith('acl-')) {
    const acl = state.networkAcls.get(resource);
    const [direction, number] = cloudId.split(':');
    if (!acl) throw new Error(`no network ACL ${resource} in the simulator`);
    acl.entries = acl.entries.filter((e) => !(e.egress === (direction === 'egress') && e.ruleNumber === Number(number)));
    return;
  }
  for (const id of cloudId.split(',')) {
    if (state.securityGroupRules.get(id)?.groupId === resource) state.securityGroupRules.delete(id);
  }
}

/** Security groups (in order) and tags of every interface of the instance, as comparable JSON. */
export function hostState(state: Ec2State, host: string): unknown {
  const enis = [...state.networkInterfaces.values()]
    .filter((eni) => eni.instanceId === host)
    .sort((a, b) => a.deviceIndex - b.deviceIndex);
  return Object.fromEntries(
    enis.map((eni) => [
      eni.networkInterfaceId,
      { groups: [...eni.groupIds], tags: Object.fromEntries([...eni.tags].sort(([a], [b]) => a.localeCompare(b))) },
    ]),
  );
}

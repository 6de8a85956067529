import type { OpContext, OpHandler } from './context.ts';
import { faults } from './faults.ts';
import { matchesFilters } from './filters.ts';
import { filtersOf } from './query.ts';
import type { NetworkInterface, Tags } from './state.ts';
import { tagSetXml } from './xml.ts';

const describeNetworkInterfaces: OpHandler = (ctx) => {
  const { state } = ctx;
  const ids = ctx.params.list('NetworkInterfaceId');
  for (const id of ids) if (!state.networkInterfaces.has(id)) throw faults.eniNotFound(id);
  const filters = filtersOf(ctx.params);
  ctx.gate();
  const enis = [...state.networkInterfaces.values()].filter(
    (eni) =>
      (ids.length === 0 || ids.includes(eni.networkInterfaceId)) &&
      matchesFilters(eni, filters, (e, name) => {
        if (name === 'attachment.instance-id') return e.instanceId ? [e.instanceId] : [];
        if (name === 'network-interface-id') return [e.networkInterfaceId];
        if (name === 'vpc-id') return [e.vpcId];
        if (name === 'group-id') return e.groupIds;
        return undefined;
      }),
  );
  return {
    networkInterfaceSet: enis.map((eni) => ({
      networkInterfaceId: eni.networkInterfaceId,
      subnetId: eni.subnetId,
      vpcId: eni.vpcId,
      availabilityZone: eni.availabilityZone,
      description: eni.description,
      ownerId: state.accountId,
      requesterManaged: false,
      status: eni.instanceId ? 'in-use' : 'available',
      macAddress: eni.macAddress,
      privateIpAddress: eni.privateIpAddress,
      privateDnsName: `ip-${eni.privateIpAddress.replace(/\./g, '-')}.ec2.internal`,
      sourceDestCheck: true,
      groupSet: eni.groupIds.map((groupId) => ({
        groupId,
        groupName: state.securityGroups.get(groupId)?.groupName,
      })),
      attachment: eni.instanceId
        ? {
            attachmentId: `eni-attach-${eni.networkInterfaceId.slice(4)}`,
            instanceId: eni.instanceId,
            instanceOwnerId: state.accountId,
            deviceIndex: eni.deviceIndex,
            status: 'attached',
            attachTime: eni.attachTime,
            deleteOnTermination: eni.deviceIndex === 0,
          }
        : undefined,
      tagSet: tagSetXml(eni.tags),
      privateIpAddressesSet: [
        {
          privateIpAddress: eni.privateIpAddress,
          privateDnsName: `ip-${eni.privateIpAddress.replace(/\./g, '-')}.ec2.internal`,
          primary: true,
        },
      ],
      interfaceType: 'interface',
    })),
  };
};

function requireEni(ctx: OpContext): NetworkInterface {
  const id = ctx.params.get('NetworkInterfaceId');
  if (!id) throw faults.missing('NetworkInterfaceId');
  const eni = ctx.state.networkInterfaces.get(id);
  if (!eni) throw faults.eniNotFound(id);
  return eni;
}

/** Only the security-group form is modelled: `SecurityGroupId.N` replaces the whole set on the ENI. */
const modifyNetworkInterfaceAttribute: OpHandler = (ctx) => {
  const eni = requireEni(ctx);
  const groupIds = ctx.params.list('SecurityGroupId');
  if (groupIds.length === 0) throw faults.missing('groupSet');
  for (const id of groupIds) {
    const group = ctx.state.securityGroups.get(id);
    if (!group) throw faults.groupNotFound(id);
    if (group.vpcId !== eni.vpcId) {
      throw faults.invalidValue(`Security group ${id} and interface ${eni.networkInterfaceId} belong to different networks.`);
    }
  }
  if (groupIds.length > ctx.quotas.securityGroupsPerInterface) throw faults.groupsPerInterfaceLimit();
  ctx.gate();
  eni.groupIds = [...new Set(groupIds)];
  return { return: true };
};

function taggable(ctx: OpContext, id: string): { tags: Tags } {
  const { state } = ctx;
  const found =
    state.securityGroups.get(id) ??
    state.networkAcls.get(id) ??
    state.networkInterfaces.get(id) ??
    state.securityGroupRules.get(id);
  if (found) return found;
  if (id.startsWith('sg-')) throw faults.groupNotFound(id);
  if (id.startsWith('acl-')) throw faults.aclNotFound(id);
  if (id.startsWith('eni-')) throw faults.eniNotFound(id);
  if (id.startsWith('sgr-')) throw faults.ruleIdNotFound(id);
  throw faults.resourceNotFound(id);
}

const createTags: OpHandler = (ctx) => {
  const ids = ctx.params.list('ResourceId');
  if (ids.length === 0) throw faults.missing('ResourceId');
  const tags = ctx.params.structs('Tag').map((t) => [t.get('Key') ?? '', t.get('Value') ?? ''] as const);
  for (const [key, value] of tags) {
    if (key.length === 0 || key.length > 128 || value.length > 256 || key.startsWith('aws:')) {
      throw faults.invalidValue(`Tag key '${key}' or its value is invalid (key 1-128 characters, value up to 256, no aws: prefix).`);
    }
  }
  const resources = ids.map((id) => taggable(ctx, id));
  ctx.gate();
  for (const resource of resources) for (const [key, value] of tags) resource.tags.set(key, value);
  return { return: true };
};

const deleteTags: OpHandler = (ctx) => {
  const ids = ctx.params.list('ResourceId');
  if (ids.length === 0) throw faults.missing('ResourceId');
  const resources = ids.map((id) => taggable(ctx, id));
  const tags = ctx.params.structs('Tag').map((t) => ({ key: t.get('Key') ?? '', value: t.get('Value') }));
  ctx.gate();
  for (const resource of resources) {
    for (const { key, value } of tags) {
      if (value === undefined || resource.tags.get(key) === value) resource.tags.delete(key);
    }
  }
  return { return: true };
};

export const eniOps: Record<string, OpHandler> = {
  DescribeNetworkInterfaces: describeNetworkInterfaces,
  ModifyNetworkInterfaceAttribute: modifyNetworkInterfaceAttribute,
  CreateTags: createTags,
  DeleteTags: deleteTags,
};

import { familyOfText, type IpFamily } from '../../../src/net/index.ts';
import { parseCanonicalCidr } from '../cidr.ts';
import type { OpContext, OpHandler } from './context.ts';
import { faults } from './faults.ts';
import { matchesFilters } from './filters.ts';
import { filtersOf } from './query.ts';
import type { NaclEntry, NetworkAcl } from './state.ts';
import { tagSetXml, type XmlValue } from './xml.ts';

function requireAcl(ctx: OpContext): NetworkAcl {
  const id = ctx.params.get('NetworkAclId');
  if (!id) throw faults.missing('NetworkAclId');
  const acl = ctx.state.networkAcls.get(id);
  if (!acl) throw faults.aclNotFound(id);
  return acl;
}

function requireRuleNumber(ctx: OpContext): number {
  const ruleNumber = ctx.params.int('RuleNumber');
  if (ruleNumber === undefined) throw faults.missing('RuleNumber');
  if (!Number.isInteger(ruleNumber) || ruleNumber < 1 || ruleNumber > 32766) {
    throw faults.invalidValue(`Value (${ctx.params.get('RuleNumber')}) for parameter ruleNumber is invalid. Rule number must be between 1 and 32766.`);
  }
  return ruleNumber;
}

/** Reads the entry from CreateNetworkAclEntry / ReplaceNetworkAclEntry parameters, validating as EC2 does. */
function entryFromParams(ctx: OpContext): NaclEntry {
  const { params } = ctx;
  const ruleNumber = requireRuleNumber(ctx);
  const rawProtocol = params.get('Protocol');
  if (rawProtocol === undefined) throw faults.missing('Protocol');
  const protocol = rawProtocol.toLowerCase() === 'all' ? '-1' : rawProtocol;
  if (!/^(-1|\d{1,3})$/.test(protocol) || Number(protocol) > 255) {
    throw faults.invalidValue(`Invalid value '${rawProtocol}' for protocol. Must be a protocol number or -1.`);
  }
  const ruleAction = params.get('RuleAction');
  if (!ruleAction) throw faults.missing('RuleAction');
  if (ruleAction !== 'allow' && ruleAction !== 'deny') {
    throw faults.invalidValue(`Value (${ruleAction}) for parameter ruleAction is invalid. Must be allow or deny.`);
  }
  const cidrBlock = params.get('CidrBlock');
  const ipv6CidrBlock = params.get('Ipv6CidrBlock');
  if ((cidrBlock === undefined) === (ipv6CidrBlock === undefined)) {
    throw faults.missing('cidrBlock or ipv6CidrBlock');
  }
  const cidr = cidrBlock ?? ipv6CidrBlock ?? '';
  const parsed = parseCanonicalCidr(cidr);
  if (typeof parsed === 'string' || (parsed.family === 'ipv6') !== (ipv6CidrBlock !== undefined)) {
    throw faults.invalidValue(`Value (${cidr}) for parameter ${cidrBlock ? 'cidrBlock' : 'ipv6CidrBlock'} is invalid. This is not a valid CIDR block.`);
  }
  const entry: NaclEntry = { ruleNumber, egress: params.bool('Egress'), protocol, ruleAction };
  if (cidrBlock !== undefined) entry.cidrBlock = cidrBlock;
  else entry.ipv6CidrBlock = ipv6CidrBlock;
  if (protocol === '6' || protocol === '17') {
    const from = params.int('PortRange.From');
    const to = params.int('PortRange.To');
    if (from === undefined || to === undefined) throw faults.missing('portRange');
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > 65535 || from > to) {
      throw faults.invalidValue(`Invalid port range ${from}-${to}. Ports must be between 0 and 65535 and from <= to.`);
    }
    entry.portRange = { from, to };
  }
  if (protocol === '1' || protocol === '58') {
    const type = params.int('Icmp.Type');
    const code = params.int('Icmp.Code');
    if (type === undefined || code === undefined) throw faults.missing('icmpTypeCode');
    entry.icmpTypeCode = { type, code };
  }
  return entry;
}

function entryFamily(entry: NaclEntry): IpFamily {
  return familyOfText(entry.cidrBlock ?? entry.ipv6CidrBlock ?? '');
}

function assertRoom(ctx: OpContext, acl: NetworkAcl, entry: NaclEntry, replacing?: NaclEntry): void {
  const family = entryFamily(entry);
  const count = acl.entries.filter((e) => e !== replacing && e.egress === entry.egress && entryFamily(e) === family).length;
  if (count + 1 > ctx.quotas.naclEntriesPerDirection) throw faults.aclEntryLimit();
}

const createNetworkAclEntry: OpHandler = (ctx) => {
  const acl = requireAcl(ctx);
  const entry = entryFromParams(ctx);
  ctx.gate();
  if (acl.entries.some((e) => e.egress === entry.egress && e.ruleNumber === entry.ruleNumber)) {
    throw faults.aclEntryExists(entry.ruleNumber);
  }
  assertRoom(ctx, acl, entry);
  acl.entries.push(entry);
  return { return: true };
};

const replaceNetworkAclEntry: OpHandler = (ctx) => {
  const acl = requireAcl(ctx);
  const entry = entryFromParams(ctx);
  ctx.gate();
  const index = acl.entries.findIndex((e) => e.egress === entry.egress && e.ruleNumber === entry.ruleNumber);
  const current = acl.entries[index];
  if (!current) throw faults.aclEntryNotFound(entry.egress, entry.ruleNumber);
  assertRoom(ctx, acl, entry, current);
  acl.entries[index] = entry;
  return { return: true };
};

const deleteNetworkAclEntry: OpHandler = (ctx) => {
  const acl = requireAcl(ctx);
  const ruleNumber = requireRuleNumber(ctx);
  const egress = ctx.params.bool('Egress');
  ctx.gate();
  const index = acl.entries.findIndex((e) => e.egress === egress && e.ruleNumber === ruleNumber);
  if (index < 0) throw faults.aclEntryNotFound(egress, ruleNumber);
  acl.entries.splice(index, 1);
  return { return: true };
};

export function naclEntryXml(entry: NaclEntry): XmlValue {
  return {
    ruleNumber: entry.ruleNumber,
    protocol: entry.protocol,
    ruleAction: entry.ruleAction,
    egress: entry.egress,
    cidrBlock: entry.cidrBlock,
    ipv6CidrBlock: entry.ipv6CidrBlock,
    icmpTypeCode: entry.icmpTypeCode ? { code: entry.icmpTypeCode.code, type: entry.icmpTypeCode.type } : undefined,
    portRange: entry.portRange ? { from: entry.portRange.from, to: entry.portRange.to } : undefined,
  };
}

const describeNetworkAcls: OpHandler = (ctx) => {
  const ids = ctx.params.list('NetworkAclId');
  for (const id of ids) if (!ctx.state.networkAcls.has(id)) throw faults.aclNotFound(id);
  const filters = filtersOf(ctx.params);
  ctx.gate();
  const acls = [...ctx.state.networkAcls.values()].filter(
    (acl) =>
      (ids.length === 0 || ids.includes(acl.networkAclId)) &&
      matchesFilters(acl, filters, (a, name) => {
        if (name === 'vpc-id') return [a.vpcId];
        if (name === 'network-acl-id') return [a.networkAclId];
        if (name === 'default') return [String(a.isDefault)];
        if (name === 'association.subnet-id') return a.subnetIds;
        return undefined;
      }),
  );
  return {
    networkAclSet: acls.map((acl) => ({
      networkAclId: acl.networkAclId,
      vpcId: acl.vpcId,
      default: acl.isDefault,
      entrySet: [...acl.entries].sort((a, b) => Number(a.egress) - Number(b.egress) || a.ruleNumber - b.ruleNumber).map(naclEntryXml),
      associationSet: acl.subnetIds.map((subnetId, i) => ({
        networkAclAssociationId: `aclassoc-${acl.networkAclId.slice(4, 12)}${i}`,
        networkAclId: acl.networkAclId,
        subnetId,
      })),
      tagSet: tagSetXml(acl.tags),
      ownerId: ctx.state.accountId,
    })),
  };
};

export const naclOps: Record<string, OpHandler> = {
  CreateNetworkAclEntry: createNetworkAclEntry,
  ReplaceNetworkAclEntry: replaceNetworkAclEntry,
  DeleteNetworkAclEntry: deleteNetworkAclEntry,
  DescribeNetworkAcls: describeNetworkAcls,
};

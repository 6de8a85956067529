import { tryParseCidr } from '../../../src/net/cidr.ts';
import { type Body, checkName, type OpContext, type OpHandler, page, scopeOf, str } from './context.ts';
import { faults } from './faults.ts';
import { arnOf, nextUuid, referencedArns, type Scope, type StoredIpSet, type WafState } from './state.ts';

/** Addresses as WAF checks them: CIDR notation of the set's version, never /0, at most the quota. */
function checkAddresses(ctx: OpContext, version: 'IPV4' | 'IPV6', value: unknown): string[] {
  if (!Array.isArray(value)) throw faults.validation("1 validation error detected: Value at 'addresses' failed to satisfy constraint: Member must not be null");
  if (value.length > ctx.quotas.addressesPerIpSet) throw faults.limits(`${ctx.quotas.addressesPerIpSet} addresses per IP set`);
  for (const address of value) {
    const parsed = typeof address === 'string' && address.includes('/') ? tryParseCidr(address, { hostBits: 'mask', mapped: 'keep' }) : undefined;
    const family = version === 'IPV4' ? 'ipv4' : 'ipv6';
    if (!parsed?.ok || parsed.cidr.family !== family || parsed.cidr.prefix === 0) {
      throw faults.invalidParameter('IP_ADDRESS', String(address), 'The parameter contains formatting that is not valid');
    }
  }
  return [...new Set(value as string[])];
}

function summary(set: StoredIpSet) {
  return { Name: set.Name, Id: set.Id, ...(set.Description ? { Description: set.Description } : {}), LockToken: set.LockToken, ARN: set.ARN };
}

/** The set a Get/Update/Delete names: Id and Name must both match. */
export function ipSetOf(state: WafState, body: Body): { scope: Scope; set: StoredIpSet } {
  const scope = scopeOf(body);
  const set = state.ipSets[scope].get(str(body, 'Id'));
  if (!set || set.Name !== str(body, 'Name')) throw faults.nonexistent();
  return { scope, set };
}

function checkLock(body: Body, current: string): void {
  if (str(body, 'LockToken') !== current) throw faults.optimisticLock();
}

function checkDescription(body: Body): string | undefined {
  const description = body.Description;
  if (description === undefined) return undefined;
  if (typeof description !== 'string' || description.length > 256 || !/^[\w+=:#@/\-,.][\w+=:#@/\-,.\s]+[\w+=:#@/\-,.]$/.test(description)) {
    throw faults.invalidParameter('DESCRIPTION', String(description), 'The parameter contains formatting that is not valid');
  }
  return description;
}

export function tagsOf(body: Body): { Key: string; Value: string }[] {
  const tags = body.Tags ?? [];
  if (!Array.isArray(tags) || tags.length > 50) throw faults.invalidParameter('TAGS', 'Tags', 'at most 50 tags');
  return tags.map((t) => {
    const tag = t as { Key?: unknown; Value?: unknown };
    if (typeof tag.Key !== 'string' || typeof tag.Value !== 'string' || tag.Key.length < 1 || tag.Key.length > 128) {
      throw faults.invalidParameter('TAG_KEYS', String(tag.Key), 'A tag needs a Key (1-128 characters) and a Value');
    }
    return { Key: tag.Key, Value: tag.Value };
  });
}

export const ipSetOps: Record<string, OpHandler> = {
  CreateIPSet(ctx) {
    const { state, body, quotas } = ctx;
    const scope = scopeOf(body);
    const name = str(body, 'Name');
    checkName(name);
    const version = str(body, 'IPAddressVersion');
    if (version !== 'IPV4' && version !== 'IPV6') throw faults.invalidParameter('IP_ADDRESS_VERSION', version, 'The parameter is not valid');
    const description = checkDescription(body);
    const addresses = checkAddresses(ctx, version, body.Addresses);
    const tags = tagsOf(body);
    const sets = state.ipSets[scope];
    if ([...sets.values()].some((s) => s.Name === name)) throw faults.duplicate();
    if (sets.size >= quotas.ipSetsPerScope) throw faults.limits(`${quotas.ipSetsPerScope} IP sets per account in ${scope}`);
    const id = nextUuid(state);
    const set: StoredIpSet = {
      Name: name,
      Id: id,
      ARN: arnOf(state, scope, 'ipset', name, id),
      ...(description ? { Description: description } : {}),
      IPAddressVersion: version,
      Addresses: addresses,
      LockToken: nextUuid(state),
      createdAt: ctx.now,
    };
    sets.set(id, set);
    if (tags.length) state.tags.set(set.ARN, tags);
    return { Summary: summary(set) };
  },

  GetIPSet({ state, body }) {
    const { set } = ipSetOf(state, body);
    const { LockToken, createdAt: _createdAt, ...ipSet } = set;
    return { IPSet: { ...ipSet, Addresses: [...set.Addresses] }, LockToken };
  },

  UpdateIPSet(ctx) {
    const { state, body } = ctx;
    const { set } = ipSetOf(state, body);
    const description = checkDescription(body);
    const addresses = checkAddresses(ctx, set.IPAddressVersion, body.Addresses);
    checkLock(body, set.LockToken);
    set.Addresses = addresses;
    // UpdateIPSet replaces every mutable member: a call without Description clears it.
    if (description) set.Description = description;
    else delete set.Description;
    set.LockToken = nextUuid(state);
    return { NextLockToken: set.LockToken };
  },

  DeleteIPSet({ state, body }) {
    const { scope, set } = ipSetOf(state, body);
    checkLock(body, set.LockToken);
    const used = [...state.webAcls[scope].values()].some((acl) => acl.Rules.some((r) => referencedArns(r.Statement).includes(set.ARN)));
    if (used) throw faults.associated();
    state.ipSets[scope].delete(set.Id);
    state.tags.delete(set.ARN);
    return {};
  },

  ListIPSets({ state, body }) {
    const scope = scopeOf(body);
    const { items, next } = page([...state.ipSets[scope].values()], body);
    return { IPSets: items.map(summary), ...(next ? { NextMarker: next } : {}) };
  },
};

import type { NetworkInterface, SecurityRule } from '@azure/arm-network';
import type { ConnectorErrorInfo, Direction, QuarantineResult } from '../../src/connectors/types.ts';
import type { CallRecord } from './arm-calls.ts';
import { canonicalOrUndefined, readAddressPrefix } from './cidr.ts';
import type { AzureNsgTarget } from './config.ts';
import { type AddressFamily, quarantineRuleName } from './names.ts';
import type { NsgApi } from './nsg-api.ts';

/**
 * Quarantine design (see README): one deny-all pair per address family at the top of the target's
 * band (priority `from` for IPv4, `from + 1` for IPv6), named `<prefix>quarantine-in|out[6]`. The
 * inbound rule lists quarantined hosts as destinations, the outbound rule as sources, so one pair
 * isolates every quarantined host of the NSG and a quarantine is a set membership: adding an address
 * twice changes nothing (idempotent), release removes exactly that host's addresses and deletes a
 * rule when it empties.
 */
export interface QuarantinePrevious {
  version: 1;
  host: string;
  nics: string[];
  /** The host's private addresses at quarantine time, canonical (/32, /128). */
  addresses: string[];
}

interface QuarantineInput {
  api: NsgApi;
  target: AzureNsgTarget;
  namePrefix: string;
}

const DIRECTIONS: Direction[] = ['ingress', 'egress'];
const FAMILIES: AddressFamily[] = ['v4', 'v6'];

function failure(calls: CallRecord[], error: ConnectorErrorInfo): QuarantineResult {
  return { ok: false, calls, error };
}

/** `host` is a NIC name, or a VM name whose NICs (every one) are found in the target's resource group. */
async function resolveHost(
  input: QuarantineInput,
  host: string,
  calls: CallRecord[],
): Promise<{ nics: NetworkInterface[] } | { error: ConnectorErrorInfo }> {
  const byName = await input.api.getNic(host);
  calls.push(byName.call);
  if (!byName.outcome.ok) return { error: byName.outcome.error };
  if (byName.outcome.value) return { nics: [byName.outcome.value] };
  const listed = await input.api.listNics();
  calls.push(listed.call);
  if (!listed.outcome.ok) return { error: listed.outcome.error };
  const suffix = `/virtualmachines/${host.toLowerCase()}`;
  const nics = listed.outcome.value.filter((nic) => nic.virtualMachine?.id?.toLowerCase().endsWith(suffix));
  if (nics.length === 0) {
    return {
      error: {
        kind: 'not_found',
        code: 'HostNotFound',
        retryable: false,
        message: `no network interface or VM named "${host}" in resource group ${input.target.resourceGroup}`,
      },
    };
  }
  return { nics };
}

function privateAddresses(nics: NetworkInterface[], ipv6: boolean): string[] {
  const addresses = new Set<string>();
  for (const nic of nics) {
    for (const config of nic.ipConfigurations ?? []) {
      const canonical = config.privateIPAddress ? canonicalOrUndefined(config.privateIPAddress.split('/')[0] ?? '') : undefined;
      if (!canonical) continue;
      if (canonical.includes(':') && !ipv6) continue;
      addresses.add(canonical);
    }
  }
  return [...addresses].sort();
}

function familyOf(address: string): AddressFamily {
  return readAddressPrefix(address)?.family === 'ipv6' ? 'v6' : 'v4';
}

/** The host side of a quarantine rule: destinations inbound, sources outbound. */
function hostSide(rule: SecurityRule, direction: Direction): string[] {
  const single = direction === 'ingress' ? rule.destinationAddressPrefix : rule.sourceAddressPrefix;
  const many = direction === 'ingress' ? rule.destinationAddressPrefixes : rule.sourceAddressPrefixes;
  const list = many && many.length > 0 ? many : single ? [single] : [];
  return list.map((p) => canonicalOrUndefined(p)).filter((p): p is string => p !== undefined);
}

function quarantineRule(target: AzureNsgTarget, direction: Direction, family: AddressFamily, addresses: string[]): SecurityRule {
  const hosts = addresses.length === 1 ? { one: addresses[0] } : { many: addresses };
  const ingress = direction === 'ingress';
  return {
    description: 'portcullis quarantine: deny all traffic to and from quarantined hosts',
    protocol: '*',
    access: 'Deny',
    direction: ingress ? 'Inbound' : 'Outbound',
    priority: target.priorityBand.from + (family === 'v6' ? 1 : 0),
    sourcePortRange: '*',
    destinationPortRange: '*',
    ...(ingress
      ? { sourceAddressPrefix: '*', ...(hosts.one ? { destinationAddressPrefix: hosts.one } : { destinationAddressPrefixes: hosts.many }) }
      : { destinationAddressPrefix: '*', ...(hosts.one ? { sourceAddressPrefix: hosts.one } : { sourceAddressPrefixes: hosts.many }) }),
  };
}

/** Brings each quarantine rule to `current ∪ add − remove`, deleting a rule that empties. */
async function updateQuarantineRules(
  input: QuarantineInput,
  change: { add: string[]; remove: string[] },
  calls: CallRecord[],
): Promise<ConnectorErrorInfo | undefined> {
  for (const family of FAMILIES) {
    const add = change.add.filter((a) => familyOf(a) === family);
    const remove = new Set(change.remove.filter((a) => familyOf(a) === family));
    if (add.length === 0 && remove.size === 0) continue;
    for (const direction of DIRECTIONS) {
      const name = quarantineRuleName(input.namePrefix, direction, family);
      const read = await input.api.getRule(name);
      calls.push(read.call);
      if (!read.outcome.ok) return read.outcome.error;
      const current = read.outcome.value ? hostSide(read.outcome.value, direction) : [];
      const wanted = [...new Set([...current, ...add])].filter((a) => !remove.has(a)).sort();
      const unchanged = wanted.length === current.length && wanted.every((a) => current.includes(a));
      if (unchanged && (read.outcome.value || wanted.length === 0)) continue;
      const write =
        wanted.length === 0
          ? await input.api.deleteRule(name)
          : await input.api.putRule(name, quarantineRule(input.target, direction, family, wanted));
      calls.push(write.call);
      if (!write.outcome.ok) return write.outcome.error;
    }
  }
  return undefined;
}

export async function quarantineHost(input: QuarantineInput, host: string): Promise<QuarantineResult> {
  const calls: CallRecord[] = [];
  const resolved = await resolveHost(input, host, calls);
  if ('error' in resolved) return failure(calls, resolved.error);
  const addresses = privateAddresses(resolved.nics, input.target.ipv6);
  if (addresses.length === 0) {
    return failure(calls, { kind: 'validation', code: 'HostHasNoPrivateAddress', retryable: false, message: `host "${host}" has no private IP address to isolate` });
  }
  const error = await updateQuarantineRules(input, { add: addresses, remove: [] }, calls);
  if (error) return failure(calls, error);
  const previous: QuarantinePrevious = { version: 1, host, nics: resolved.nics.map((n) => n.name ?? ''), addresses };
  return { ok: true, previous, calls };
}

function parsePrevious(previous: unknown, host: string): QuarantinePrevious | undefined {
  if (!previous || typeof previous !== 'object') return undefined;
  const candidate = previous as Partial<QuarantinePrevious>;
  if (candidate.version !== 1 || candidate.host !== host || !Array.isArray(candidate.addresses)) return undefined;
  const addresses = candidate.addresses.filter((a): a is string => typeof a === 'string' && canonicalOrUndefined(a) === a);
  return { version: 1, host, nics: candidate.nics ?? [], addresses };
}

/**
 * Removes the host's addresses recorded at quarantine time. Without a usable `previous` (lost or
 * from another version) the host's current addresses are looked up instead.
 */
export async function releaseHost(input: QuarantineInput, host: string, previous: unknown): Promise<QuarantineResult> {
  const calls: CallRecord[] = [];
  let addresses = parsePrevious(previous, host)?.addresses;
  if (!addresses) {
    const resolved = await resolveHost(input, host, calls);
    if ('error' in resolved) return failure(calls, resolved.error);
    addresses = privateAddresses(resolved.nics, input.target.ipv6);
  }
  const error = await updateQuarantineRules(input, { add: [], remove: addresses }, calls);
  if (error) return failure(calls, error);
  return { ok: true, calls };
}

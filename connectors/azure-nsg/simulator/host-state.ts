import { contains } from '../../../src/net/index.ts';
import { readAddressPrefix } from '../cidr.ts';
import type { AzureState, RuleProperties } from './state.ts';

function sideList(p: RuleProperties, side: 'source' | 'destination'): string[] {
  const many = p[`${side}AddressPrefixes`];
  const single = p[`${side}AddressPrefix`];
  if (Array.isArray(many) && many.length > 0) return many.filter((v): v is string => typeof v === 'string');
  return typeof single === 'string' ? [single] : [];
}

function covers(prefixes: string[], address: string): boolean {
  const target = readAddressPrefix(address);
  if (!target) return false;
  return prefixes.some((prefix) => {
    if (prefix === '*') return true;
    const parsed = readAddressPrefix(prefix);
    return parsed !== undefined && contains(parsed, target);
  });
}

/**
 * A host's isolation as a comparable value: its NICs, addresses, and every deny-all rule (any
 * protocol, any port, any peer) that covers one of its addresses on the host side, in any NSG of
 * its resource group. Independent of how the connector builds a quarantine.
 */
export function hostState(state: AzureState, host: string): unknown {
  const nics = state.hostNics(host);
  const addresses = nics.flatMap((n) => n.privateIps).sort();
  const isolatedBy: string[] = [];
  const groups = new Set(nics.map((n) => n.resourceGroup.toLowerCase()));
  for (const nsg of state.allNsgs().filter((n) => groups.has(n.resourceGroup.toLowerCase()))) {
    for (const rule of nsg.rules.values()) {
      const p = rule.properties;
      if (rule.provisioningState === 'Deleting' || p.access !== 'Deny' || p.protocol !== '*') continue;
      if ((p.destinationPortRange ?? '*') !== '*' || Array.isArray(p.destinationPortRanges)) continue;
      const inbound = p.direction === 'Inbound';
      const hostSide = sideList(p, inbound ? 'destination' : 'source');
      const peerSide = sideList(p, inbound ? 'source' : 'destination');
      if (!peerSide.includes('*')) continue;
      for (const address of addresses) {
        if (covers(hostSide, address)) isolatedBy.push(`${nsg.name}/${rule.name} ${p.direction} ${address}`);
      }
    }
  }
  return { host, nics: nics.map((n) => n.name).sort(), addresses, isolatedBy: isolatedBy.sort() };
}

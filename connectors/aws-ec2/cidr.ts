/**
 * CIDR parsing for both the connector's validation and the simulator's checks. A CIDR is accepted only
 * in canonical form (network address, explicit prefix), which is what NormalizedRule promises.
 */
export type AddressFamily = 'ipv4' | 'ipv6';

export interface ParsedCidr {
  family: AddressFamily;
  /** Canonical text ("203.0.113.0/24", "2001:db8::/64"). */
  canonical: string;
  prefix: number;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || (part.length > 1 && part.startsWith('0'))) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  }
  return value;
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join('.');
}

/** RFC 5952 text: lower case, longest run (>1) of zero groups compressed. */
function formatIpv6(value: bigint): string {
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => Number((value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Parses a CIDR; returns a reason string when it is not a valid canonical CIDR. */
export function parseCidr(text: string): ParsedCidr | string {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!match) return `"${text}" is not a CIDR (expected address/prefix, e.g. 203.0.113.7/32)`;
  const [, address = '', prefixText = ''] = match;
  const prefix = Number(prefixText);
  const isV6 = address.includes(':');
  const bits = isV6 ? 128 : 32;
  const value = isV6 ? parseIpv6(address) : parseIpv4(address);
  if (value === undefined) return `"${text}" has an invalid ${isV6 ? 'IPv6' : 'IPv4'} address`;
  if (prefix > bits) return `"${text}" has a prefix length above ${bits}`;
  const hostBits = BigInt(bits - prefix);
  const network = (value >> hostBits) << hostBits;
  const canonical = `${isV6 ? formatIpv6(network) : formatIpv4(network)}/${prefix}`;
  if (network !== value) return `"${text}" has host bits set; the network is ${canonical}`;
  if (canonical !== text) return `"${text}" is not in canonical form; write ${canonical}`;
  return { family: isV6 ? 'ipv6' : 'ipv4', canonical, prefix };
}

export function familyOf(cidr: string): AddressFamily {
  return cidr.includes(':') ? 'ipv6' : 'ipv4';
}

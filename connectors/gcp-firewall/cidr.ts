/**
 * CIDR parsing for GCP ranges. GCP keeps ranges as they were sent; portcullis keeps them canonical
 * (network address, explicit prefix length, RFC 5952 IPv6 text) so rules compare by value.
 */

export type AddressFamily = 4 | 6;

export interface ParsedCidr {
  family: AddressFamily;
  /** The address as a big integer (32 or 128 bits). */
  address: bigint;
  prefix: number;
  /** Canonical text: "203.0.113.7/32", "2001:db8::/64". */
  canonical: string;
  /** False when host bits are set (e.g. "10.0.0.1/8"). */
  isNetworkAddress: boolean;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let head = text;
  let tailGroups: number[] = [];
  // An embedded IPv4 tail ("::ffff:192.0.2.1") counts as two groups.
  const lastColon = head.lastIndexOf(':');
  const maybeV4 = head.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    const v4 = parseIpv4(maybeV4);
    if (v4 === undefined) return undefined;
    tailGroups = [Number(v4 >> 16n), Number(v4 & 0xffffn)];
    head = head.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const groups: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      groups.push(Number.parseInt(g, 16));
    }
    return groups;
  };
  const left = toGroups(halves[0] ?? '');
  const right = halves.length === 2 ? toGroups(halves[1] ?? '') : [];
  if (!left || !right) return undefined;
  const explicit = left.length + right.length + tailGroups.length;
  let groups: number[];
  if (halves.length === 2) {
    if (explicit > 7) return undefined;
    groups = [...left, ...new Array<number>(8 - explicit).fill(0), ...right, ...tailGroups];
  } else {
    if (explicit !== 8) return undefined;
    groups = [...left, ...tailGroups];
  }
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** RFC 5952: lower case, no leading zeros, the longest run (≥2) of zero groups shortened to "::". */
function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Parses "a.b.c.d[/n]" or an IPv6 address with optional "/n". A bare address is a host route. */
export function parseCidr(text: string): ParsedCidr | undefined {
  const [addressText, prefixText, extra] = text.trim().split('/');
  if (addressText === undefined || extra !== undefined) return undefined;
  const family: AddressFamily = addressText.includes(':') ? 6 : 4;
  const address = family === 4 ? parseIpv4(addressText) : parseIpv6(addressText);
  if (address === undefined) return undefined;
  const bits = family === 4 ? 32 : 128;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return undefined;
    prefix = Number(prefixText);
    if (prefix > bits) return undefined;
  }
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  const network = address & ~hostMask & ((1n << BigInt(bits)) - 1n);
  const text4or6 = family === 4 ? formatIpv4(network) : formatIpv6(network);
  return {
    family,
    address,
    prefix,
    canonical: `${text4or6}/${prefix}`,
    isNetworkAddress: network === address,
  };
}

/** The canonical form of a range read from GCP; unparsable text is returned as is. */
export function canonicalCidr(text: string): string {
  return parseCidr(text)?.canonical ?? text;
}

export function cidrFamily(text: string): AddressFamily | undefined {
  return parseCidr(text)?.family;
}

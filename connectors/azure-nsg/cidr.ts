/** CIDR parsing for validation and for counting addresses; no dependency, IPv4 and IPv6. */

export interface ParsedCidr {
  family: 'v4' | 'v6';
  /** Network address as a bigint (IPv4 in the low 32 bits). */
  address: bigint;
  prefix: number;
  bits: 32 | 128;
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
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined): string[] | undefined => {
    if (!half) return [];
    const list = half.split(':');
    const last = list.at(-1);
    // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
    if (last?.includes('.')) {
      const v4 = parseIpv4(last);
      if (v4 === undefined) return undefined;
      list.splice(-1, 1, ((v4 >> 16n) & 0xffffn).toString(16), (v4 & 0xffffn).toString(16));
    }
    return list.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)) ? list : undefined;
  };
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...tail];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

/** Parses "a.b.c.d/n", "x::/n" or a bare address (taken as /32 or /128). */
export function parseCidr(text: string): ParsedCidr | undefined {
  const [ip, prefixText, extra] = text.split('/');
  if (ip === undefined || extra !== undefined) return undefined;
  const family = ip.includes(':') ? 'v6' : 'v4';
  const address = family === 'v4' ? parseIpv4(ip) : parseIpv6(ip);
  if (address === undefined) return undefined;
  const bits = family === 'v4' ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  return { family, address, prefix, bits };
}

/** True when the host bits are zero (Azure rejects "10.0.0.1/8" as an invalid address prefix). */
export function isNetworkAddress(cidr: ParsedCidr): boolean {
  const hostBits = BigInt(cidr.bits - cidr.prefix);
  return (cidr.address & ((1n << hostBits) - 1n)) === 0n;
}

function formatAddress(cidr: ParsedCidr): string {
  if (cidr.family === 'v4') {
    return [24n, 16n, 8n, 0n].map((shift) => ((cidr.address >> shift) & 255n).toString()).join('.');
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((cidr.address >> BigInt((7 - i) * 16)) & 0xffffn));
  // Compress the longest run of zero groups (RFC 5952).
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i > 1) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Canonical text: network address and explicit prefix length ("203.0.113.7/32", "2001:db8::/64"). */
export function canonicalCidr(cidr: ParsedCidr): string {
  return `${formatAddress(cidr)}/${cidr.prefix}`;
}

/** Canonical form of an address or prefix as Azure returns it, or undefined when it is not one (a tag, '*'). */
export function canonicalOrUndefined(text: string): string | undefined {
  const parsed = parseCidr(text);
  return parsed ? canonicalCidr(parsed) : undefined;
}

/** Whether `inner` lies inside `outer` (same family). */
export function cidrContains(outer: ParsedCidr, inner: ParsedCidr): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  const shift = BigInt(outer.bits - outer.prefix);
  return outer.address >> shift === inner.address >> shift;
}

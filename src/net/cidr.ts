import {
  ADDRESS_BITS,
  checkText,
  formatIp,
  type IpFamily,
  InvalidAddressError,
  isIpv4MappedValue,
  parseIp,
} from './ip.ts';

/**
 * A CIDR block: a network address and a prefix length, always in canonical form
 * (host bits zero). Compare blocks with the functions here, not by their text.
 */
export interface Cidr {
  readonly family: IpFamily;
  /** The network address as an unsigned integer; host bits are always zero. */
  readonly network: bigint;
  readonly prefix: number;
}

export interface ParseCidrOptions {
  /**
   * "10.0.0.5/24" has host bits set. `reject` (the default) refuses it, since the caller may have meant
   * the single host; `mask` accepts it as "10.0.0.0/24" (for values read back from a cloud).
   */
  hostBits?: 'reject' | 'mask';
  /**
   * IPv4-mapped IPv6 ("::ffff:192.0.2.1", prefix >= 96) is an IPv4 address seen through a dual-stack
   * socket. `unwrap` (the default) turns it into the IPv4 block ("192.0.2.1/32"), which is what a cloud
   * firewall matches and what guardrails must check; `keep` leaves it IPv6.
   */
  mapped?: 'unwrap' | 'keep';
}

const PREFIX_DIGITS = /^(0|[1-9]\d{0,2})$/;

/**
 * Parses "203.0.113.0/24", "2001:db8::/32" or a bare address (which becomes /32 or /128).
 * Throws InvalidAddressError saying what was wrong and what was expected.
 */
export function parseCidr(input: string, options: ParseCidrOptions = {}): Cidr {
  checkText(input);
  const slash = input.indexOf('/');
  if (slash !== input.lastIndexOf('/')) {
    throw new InvalidAddressError(input, 'prefix', 'it has more than one "/"', 'address/prefix, like "192.0.2.0/24"');
  }
  const addressText = slash < 0 ? input : input.slice(0, slash);
  const address = parseIpReportingInput(addressText, input);
  const bits = ADDRESS_BITS[address.family];
  let prefix = bits;
  if (slash >= 0) {
    const prefixText = input.slice(slash + 1);
    if (!PREFIX_DIGITS.test(prefixText) || Number(prefixText) > bits) {
      throw new InvalidAddressError(
        input,
        'prefix',
        prefixText === '' ? 'the prefix length after "/" is missing' : `prefix length "${prefixText}" is not valid`,
        `a decimal prefix length 0-${bits} for ${address.family === 'ipv4' ? 'IPv4' : 'IPv6'}, without leading zeros`,
      );
    }
    prefix = Number(prefixText);
  }
  const network = address.value & prefixMask(address.family, prefix);
  if (network !== address.value && options.hostBits !== 'mask') {
    const suggestion = formatCidr({ family: address.family, network, prefix });
    throw new InvalidAddressError(
      input,
      'host-bits',
      `the address has bits set beyond the /${prefix} prefix`,
      `the network address "${suggestion}", or "${formatIp(address)}" alone for the single host`,
    );
  }
  const cidr: Cidr = { family: address.family, network, prefix };
  return options.mapped === 'keep' ? cidr : unwrapIpv4Mapped(cidr);
}

// Errors name the whole input ("10.0.0/8"), not just its address part.
function parseIpReportingInput(addressText: string, input: string) {
  try {
    return parseIp(addressText);
  } catch (error) {
    if (!(error instanceof InvalidAddressError) || addressText === input) throw error;
    throw new InvalidAddressError(input, error.reason, error.problem, error.expected);
  }
}

/** Like parseCidr, but returns the error instead of throwing. */
export function tryParseCidr(
  input: string,
  options: ParseCidrOptions = {},
): { ok: true; cidr: Cidr } | { ok: false; error: InvalidAddressError } {
  try {
    return { ok: true, cidr: parseCidr(input, options) };
  } catch (error) {
    if (error instanceof InvalidAddressError) return { ok: false, error };
    throw error;
  }
}

/** The canonical text form: "203.0.113.7/32", "2001:db8::/64" (always with a prefix length). */
export function formatCidr(cidr: Cidr): string {
  return `${formatIp({ family: cidr.family, value: cidr.network })}/${cidr.prefix}`;
}

/** Parses and re-formats: the one string form NormalizedRule.cidrs uses. */
export function canonicalCidr(input: string, options: ParseCidrOptions = {}): string {
  return formatCidr(parseCidr(input, options));
}

/** Accepts a parsed block or text (text is parsed strictly, with default options). */
export function toCidr(value: Cidr | string): Cidr {
  return typeof value === 'string' ? parseCidr(value) : value;
}

export function familyOf(value: Cidr | string): IpFamily {
  return toCidr(value).family;
}

export function prefixLengthOf(value: Cidr | string): number {
  return toCidr(value).prefix;
}

export function addressBits(family: IpFamily): number {
  return ADDRESS_BITS[family];
}

/** The netmask of a prefix as an integer (e.g. /24 → 0xffffff00). */
export function prefixMask(family: IpFamily, prefix: number): bigint {
  const bits = BigInt(ADDRESS_BITS[family]);
  const all = (1n << bits) - 1n;
  return all ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

/** Number of addresses in the block. */
export function blockSize(value: Cidr | string): bigint {
  const cidr = toCidr(value);
  return 1n << BigInt(ADDRESS_BITS[cidr.family] - cidr.prefix);
}

export function lastAddress(value: Cidr | string): bigint {
  const cidr = toCidr(value);
  return cidr.network + blockSize(cidr) - 1n;
}

/** True when every address of `inner` is in `outer` (a block contains itself). Different families never. */
export function contains(outer: Cidr | string, inner: Cidr | string): boolean {
  const a = toCidr(outer);
  const b = toCidr(inner);
  if (a.family !== b.family || a.prefix > b.prefix) return false;
  return (b.network & prefixMask(a.family, a.prefix)) === a.network;
}

/** True when the blocks share at least one address (CIDR blocks either nest or are disjoint). */
export function overlaps(a: Cidr | string, b: Cidr | string): boolean {
  return contains(a, b) || contains(b, a);
}

export function equalCidrs(a: Cidr | string, b: Cidr | string): boolean {
  const x = toCidr(a);
  const y = toCidr(b);
  return x.family === y.family && x.prefix === y.prefix && x.network === y.network;
}

/** Total order: IPv4 before IPv6, then by network address, then shorter prefix first. */
export function compareCidrs(a: Cidr, b: Cidr): number {
  if (a.family !== b.family) return a.family === 'ipv4' ? -1 : 1;
  if (a.network !== b.network) return a.network < b.network ? -1 : 1;
  return a.prefix - b.prefix;
}

/** The block one bit shorter that contains this one; undefined for /0. */
export function parentOf(cidr: Cidr): Cidr | undefined {
  if (cidr.prefix === 0) return undefined;
  const prefix = cidr.prefix - 1;
  return { family: cidr.family, prefix, network: cidr.network & prefixMask(cidr.family, prefix) };
}

/** The other half of this block's parent; undefined for /0. */
export function siblingOf(cidr: Cidr): Cidr | undefined {
  if (cidr.prefix === 0) return undefined;
  const bit = 1n << BigInt(ADDRESS_BITS[cidr.family] - cidr.prefix);
  return { family: cidr.family, prefix: cidr.prefix, network: cidr.network ^ bit };
}

/** The smallest block containing both (same family required). */
export function commonSupernet(a: Cidr, b: Cidr): Cidr {
  if (a.family !== b.family) throw new RangeError('commonSupernet needs two blocks of the same family');
  // Leading bits in common = address bits minus the bit length of the XOR of the two networks.
  const differing = a.network === b.network ? 0 : (a.network ^ b.network).toString(2).length;
  const prefix = Math.min(a.prefix, b.prefix, ADDRESS_BITS[a.family] - differing);
  return { family: a.family, prefix, network: a.network & prefixMask(a.family, prefix) };
}

/** True for blocks inside ::ffff:0:0/96 (only seen with `mapped: 'keep'`). */
export function isIpv4Mapped(cidr: Cidr): boolean {
  return cidr.prefix >= 96 && isIpv4MappedValue(cidr.family, cidr.network);
}

/** ::ffff:192.0.2.0/120 → 192.0.2.0/24; other blocks unchanged. */
export function unwrapIpv4Mapped(cidr: Cidr): Cidr {
  if (!isIpv4Mapped(cidr)) return cidr;
  return { family: 'ipv4', network: cidr.network & 0xffffffffn, prefix: cidr.prefix - 96 };
}

/**
 * True when the text is an address/prefix whose address has bits set beyond the prefix ("10.0.0.5/24"),
 * the one refusal that `hostBits: 'mask'` turns into acceptance. False for valid blocks and for text
 * that is not an address/prefix at all.
 */
export function hasHostBits(input: string): boolean {
  const result = tryParseCidr(input);
  return !result.ok && result.error.reason === 'host-bits';
}

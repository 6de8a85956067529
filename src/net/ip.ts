/**
 * IPv4 and IPv6 address parsing and formatting, dependency-free, on bigint values.
 * Parsing is strict: anything a cloud API or a person could read two ways is refused with a message
 * that says what was wrong and what was expected.
 */

export type IpFamily = 'ipv4' | 'ipv6';

export interface IpAddress {
  readonly family: IpFamily;
  /** The address as an unsigned integer (32 bits for IPv4, 128 for IPv6). */
  readonly value: bigint;
}

/** Why an address or CIDR was refused. `input` is the text as given; `reason` is a stable code. */
export class InvalidAddressError extends Error {
  override name = 'InvalidAddressError';
  readonly input: string;
  readonly reason: InvalidAddressReason;
  /** What was wrong, and what was expected instead (both also in `message`). */
  readonly problem: string;
  readonly expected: string;
  constructor(input: string, reason: InvalidAddressReason, problem: string, expected: string) {
    super(`invalid address ${JSON.stringify(input)}: ${problem}; expected ${expected}`);
    this.input = input;
    this.reason = reason;
    this.problem = problem;
    this.expected = expected;
  }
}

export type InvalidAddressReason =
  | 'empty'
  | 'not-a-string'
  | 'whitespace'
  | 'zone'
  | 'ipv4-syntax'
  | 'ipv4-octet'
  | 'ipv6-syntax'
  | 'prefix'
  | 'host-bits';

export const ADDRESS_BITS: Record<IpFamily, number> = { ipv4: 32, ipv6: 128 };

const IPV4_EXPECTED = 'four decimal octets 0-255 without leading zeros, like "192.0.2.10"';
const IPV6_EXPECTED = 'eight hex groups of up to 4 digits, at most one "::", like "2001:db8::1"';
const DECIMAL_OCTET = /^(0|[1-9]\d{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Parses "192.0.2.10" or "2001:db8::1" (also "::ffff:192.0.2.10"). Throws InvalidAddressError. */
export function parseIp(input: string): IpAddress {
  checkText(input);
  if (input.includes(':')) return { family: 'ipv6', value: parseIpv6(input, input) };
  return { family: 'ipv4', value: parseIpv4(input, input) };
}

/** Shared checks for address and CIDR text: a non-empty string without whitespace or zone ids. */
export function checkText(input: unknown): asserts input is string {
  if (typeof input !== 'string') {
    throw new InvalidAddressError(String(input), 'not-a-string', `got a ${typeof input}`, 'a string');
  }
  if (input.length === 0) throw new InvalidAddressError(input, 'empty', 'it is empty', 'an IPv4 or IPv6 address');
  if (/\s/.test(input)) {
    throw new InvalidAddressError(input, 'whitespace', 'it contains whitespace', 'no spaces, tabs or newlines');
  }
  if (input.includes('%')) {
    throw new InvalidAddressError(
      input,
      'zone',
      'it carries a zone id ("%..."), which firewalls cannot match',
      'an address without a zone id',
    );
  }
}

function parseIpv4(text: string, input: string): bigint {
  const parts = text.split('.');
  if (parts.length !== 4) {
    throw new InvalidAddressError(input, 'ipv4-syntax', `it has ${parts.length} dot-separated parts`, IPV4_EXPECTED);
  }
  let value = 0n;
  for (const part of parts) {
    if (!DECIMAL_OCTET.test(part)) {
      const problem =
        part.length > 1 && part.startsWith('0') && /^\d+$/.test(part)
          ? `octet "${part}" has a leading zero (some parsers read it as octal)`
          : `octet "${part}" is not a decimal number`;
      throw new InvalidAddressError(input, 'ipv4-octet', problem, IPV4_EXPECTED);
    }
    const octet = Number(part);
    if (octet > 255) throw new InvalidAddressError(input, 'ipv4-octet', `octet ${octet} is above 255`, IPV4_EXPECTED);
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(text: string, input: string): bigint {
  const fail = (problem: string): never => {
    throw new InvalidAddressError(input, 'ipv6-syntax', problem, IPV6_EXPECTED);
  };
  const halves = text.split('::');
  if (halves.length > 2) fail('"::" appears more than once');
  const head = splitGroups(halves[0] ?? '', fail);
  const tail = halves.length === 2 ? splitGroups(halves[1] ?? '', fail) : [];
  if (halves.length === 2 && head.some((g) => g.includes('.'))) fail('an embedded IPv4 address must come last');
  const all = [...head, ...tail];

  // An embedded IPv4 address ("::ffff:192.0.2.1") may only be the last part; it fills two groups.
  const groups: number[] = [];
  all.forEach((group, index) => {
    if (group.includes('.')) {
      if (index !== all.length - 1) fail(`embedded IPv4 "${group}" is not at the end`);
      const v4 = parseIpv4(group, input);
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      return;
    }
    if (!HEX_GROUP.test(group)) fail(`group "${group}" is not 1-4 hex digits`);
    groups.push(Number.parseInt(group, 16));
  });

  if (halves.length === 1) {
    if (groups.length !== 8) fail(`it has ${groups.length} groups and no "::"`);
  } else if (groups.length > 7) {
    fail(`"::" must stand for at least one zero group, but ${groups.length} groups are written`);
  }
  const zeros = 8 - groups.length;
  const full = [...groups.slice(0, head.length), ...new Array<number>(zeros).fill(0), ...groups.slice(head.length)];
  return full.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
}

function splitGroups(part: string, fail: (problem: string) => never): string[] {
  if (part === '') return [];
  const groups = part.split(':');
  if (groups.some((g) => g === '')) fail('it has an empty group (a single ":" at the start or end, or ":::")');
  return groups;
}

/** Formats an address canonically: dotted decimal, or RFC 5952 IPv6 (lowercase, longest zero run as "::"). */
export function formatIp(address: IpAddress): string {
  return address.family === 'ipv4' ? formatIpv4(address.value) : formatIpv6(address.value);
}

export function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join('.');
}

const MAPPED_PREFIX = 0xffffn << 32n;

export function formatIpv6(value: bigint): string {
  // RFC 5952 section 5: IPv4-mapped addresses keep the dotted quad.
  if (value >> 32n === 0xffffn) return `::ffff:${formatIpv4(value & 0xffffffffn)}`;
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // Longest run of zero groups (length >= 2, first one on a tie) becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** True for ::ffff:0:0/96 addresses (an IPv4 address carried in IPv6, as dual-stack sockets report it). */
export function isIpv4MappedValue(family: IpFamily, value: bigint): boolean {
  return family === 'ipv6' && value >> 32n === MAPPED_PREFIX >> 32n;
}

/** Like parseIp, but returns the error instead of throwing. */
export function tryParseIp(input: string): { ok: true; address: IpAddress } | { ok: false; error: InvalidAddressError } {
  try {
    return { ok: true, address: parseIp(input) };
  } catch (error) {
    if (error instanceof InvalidAddressError) return { ok: false, error };
    throw error;
  }
}

/**
 * The family address or CIDR text is written in, without checking that it is valid: IPv6 text always
 * holds a ":" and IPv4 text never does (parseIp tells them apart the same way). For text already
 * validated, or to pick a cloud's IPv4 or IPv6 field; familyOf (cidr.ts) validates as well.
 */
export function familyOfText(text: string): IpFamily {
  return text.includes(':') ? 'ipv6' : 'ipv4';
}

/**
 * How addresses look as Cloudflare IP list items. Cloudflare accepts individual IPv4 addresses, IPv4
 * CIDRs /8-/32 and IPv6 CIDRs /4-/64 (developers.cloudflare.com/waf/tools/lists/custom-lists/#ip-lists).
 * Runtime-free: the simulator uses the same rules.
 */

import { type Cidr, formatCidr, tryParseCidr } from '../../src/net/index.ts';

export const PREFIX_RANGE = { ipv4: { from: 8, to: 32 }, ipv6: { from: 4, to: 64 } } as const;

/** Why Cloudflare would refuse this CIDR as a list item, or undefined when it accepts it. */
export function itemProblem(text: string): string | undefined {
  const parsed = tryParseCidr(text);
  if (!parsed.ok) return `"${text}" is not a valid CIDR: ${parsed.error.message}`;
  const { family, prefix } = parsed.cidr;
  const range = PREFIX_RANGE[family];
  if (prefix < range.from || prefix > range.to) {
    const name = family === 'ipv4' ? 'IPv4' : 'IPv6';
    const hint =
      family === 'ipv6' && prefix > range.to
        ? ` (a single IPv6 address cannot be listed: block its /64, e.g. "${formatCidr({ ...parsed.cidr, prefix: 64, network: maskTo(parsed.cidr, 64) })}")`
        : '';
    return `"${text}": Cloudflare IP lists hold ${name} prefixes /${range.from} to /${range.to} only, not /${prefix}${hint}`;
  }
  return undefined;
}

function maskTo(cidr: Cidr, prefix: number): bigint {
  const bits = cidr.family === 'ipv4' ? 32 : 128;
  const host = (1n << BigInt(bits - prefix)) - 1n;
  return cidr.network & ~host;
}

/** The item value sent to Cloudflare: a bare address for an IPv4 /32 (as the docs list it), else the CIDR. */
export function toItemValue(cidr: string): string {
  return cidr.endsWith('/32') && !cidr.includes(':') ? cidr.slice(0, -3) : cidr;
}

/** The canonical CIDR of an item value read back ("203.0.113.7" → "203.0.113.7/32"), or undefined if unreadable. */
export function fromItemValue(value: string): string | undefined {
  const parsed = tryParseCidr(value, { hostBits: 'mask', mapped: 'keep' });
  return parsed.ok ? formatCidr(parsed.cidr) : undefined;
}

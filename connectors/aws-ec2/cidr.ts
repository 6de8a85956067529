import { addressBits, type Cidr, formatCidr, prefixMask, tryParseIp, unwrapIpv4Mapped } from '../../src/net/index.ts';

/**
 * The CIDR text this connector and its simulator accept: src/net's canonical form and nothing else,
 * always with an explicit prefix. Stricter than src/net's parseCidr on purpose: EC2 takes CidrBlock /
 * Ipv6CidrBlock only as address/prefix, stores the text as sent and compares rules by that text
 * (InvalidPermission.Duplicate), so a rule must reach it in the one form NormalizedRule promises.
 * Returns the block, or a reason (the wording the connector's validation reports).
 */
export function parseCanonicalCidr(text: string): Cidr | string {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!match) return `"${text}" is not a CIDR (expected address/prefix, e.g. 203.0.113.7/32)`;
  const [, addressText = '', prefixText = ''] = match;
  const parsed = tryParseIp(addressText);
  if (!parsed.ok) return `"${text}" has an invalid ${addressText.includes(':') ? 'IPv6' : 'IPv4'} address`;
  const { family, value } = parsed.address;
  const bits = addressBits(family);
  const prefix = Number(prefixText);
  if (prefix > bits) return `"${text}" has a prefix length above ${bits}`;
  const network = value & prefixMask(family, prefix);
  // NormalizedRule's canonical form carries an IPv4-mapped block as the IPv4 block ("192.0.2.1/32").
  const cidr = unwrapIpv4Mapped({ family, network, prefix });
  const canonical = formatCidr(cidr);
  if (network !== value) return `"${text}" has host bits set; the network is ${canonical}`;
  if (canonical !== text) return `"${text}" is not in canonical form; write ${canonical}`;
  return cidr;
}

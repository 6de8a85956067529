import { type Cidr, formatCidr, tryParseCidr } from '../../src/net/index.ts';

/**
 * An address prefix as Azure reads it, parsed by src/net with two choices of its own:
 * - IPv4-mapped text ("::ffff:192.0.2.1") stays IPv6: Azure checks families on the text it is sent
 *   (ResourceCannotContainAddressPrefixesFromDifferentAddressFamilies), and the connector sends text as is.
 * - host bits are masked, so a prefix read back always has a block; whether Azure would take it on a
 *   write is a separate question (`hasHostBits` from src/net: Azure refuses those).
 * A bare address is a /32 or /128. Undefined when the text is not an address (a service tag, '*').
 */
export function readAddressPrefix(text: string): Cidr | undefined {
  const result = tryParseCidr(text, { mapped: 'keep', hostBits: 'mask' });
  return result.ok ? result.cidr : undefined;
}

/** Canonical form of an address or prefix as Azure returns it, or undefined when it is not one (a tag, '*'). */
export function canonicalOrUndefined(text: string): string | undefined {
  const cidr = readAddressPrefix(text);
  return cidr ? formatCidr(cidr) : undefined;
}

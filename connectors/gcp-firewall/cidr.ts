import { type Cidr, formatCidr, tryParseCidr } from '../../src/net/index.ts';

/**
 * A source or destination range as GCP holds it, parsed by src/net with choices of its own. GCP keeps
 * ranges as they were sent; portcullis compares them by value, in canonical form, so:
 * - host bits are masked ("10.0.0.1/8" reads as 10.0.0.0/8; the connector's validation refuses to send it);
 * - IPv4-mapped text ("::ffff:192.0.2.1") stays IPv6, as written and as GCP's family check sees it;
 * - surrounding whitespace is ignored, as this connector's parser always did (src/net refuses it).
 * A bare address is a /32 or /128. Undefined when the text is not a range.
 */
export function readRange(text: string): Cidr | undefined {
  const result = tryParseCidr(text.trim(), { mapped: 'keep', hostBits: 'mask' });
  return result.ok ? result.cidr : undefined;
}

/** The canonical form of a range read from GCP; unparsable text is returned as is. */
export function canonicalCidr(text: string): string {
  const cidr = readRange(text);
  return cidr ? formatCidr(cidr) : text;
}

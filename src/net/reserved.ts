import { type Cidr, contains, isIpv4Mapped, parseCidr, toCidr, unwrapIpv4Mapped } from './cidr.ts';

/** What a special-purpose range is for; guardrails choose which kinds they refuse to block or open. */
export type ReservedKind =
  | 'private'
  | 'shared'
  | 'loopback'
  | 'link-local'
  | 'multicast'
  | 'documentation'
  | 'benchmarking'
  | 'unspecified'
  | 'broadcast'
  | 'translation'
  | 'reserved';

/** A named special-purpose range (IANA IPv4/IPv6 special-purpose registries), citable in a refusal. */
export interface ReservedRange {
  /** Stable short name, e.g. "rfc1918-10", "ula". */
  readonly name: string;
  readonly cidr: string;
  readonly kind: ReservedKind;
  readonly rfc: string;
  readonly description: string;
}

function range(name: string, cidr: string, kind: ReservedKind, rfc: string, description: string): ReservedRange {
  return { name, cidr, kind, rfc, description };
}

export const RESERVED_RANGES: readonly ReservedRange[] = Object.freeze([
  range('this-network', '0.0.0.0/8', 'unspecified', 'RFC 791', '"this network" (source-only addresses)'),
  range('rfc1918-10', '10.0.0.0/8', 'private', 'RFC 1918', 'private network 10/8'),
  range('cgnat', '100.64.0.0/10', 'shared', 'RFC 6598', 'carrier-grade NAT shared address space'),
  range('loopback-v4', '127.0.0.0/8', 'loopback', 'RFC 1122', 'IPv4 loopback'),
  range('link-local-v4', '169.254.0.0/16', 'link-local', 'RFC 3927', 'IPv4 link-local (includes cloud metadata 169.254.169.254)'),
  range('rfc1918-172', '172.16.0.0/12', 'private', 'RFC 1918', 'private network 172.16/12'),
  range('ietf-protocol-v4', '192.0.0.0/24', 'reserved', 'RFC 6890', 'IETF protocol assignments'),
  range('test-net-1', '192.0.2.0/24', 'documentation', 'RFC 5737', 'documentation TEST-NET-1'),
  range('6to4-relay', '192.88.99.0/24', 'reserved', 'RFC 7526', 'deprecated 6to4 relay anycast'),
  range('rfc1918-192', '192.168.0.0/16', 'private', 'RFC 1918', 'private network 192.168/16'),
  range('benchmarking-v4', '198.18.0.0/15', 'benchmarking', 'RFC 2544', 'network device benchmarking'),
  range('test-net-2', '198.51.100.0/24', 'documentation', 'RFC 5737', 'documentation TEST-NET-2'),
  range('test-net-3', '203.0.113.0/24', 'documentation', 'RFC 5737', 'documentation TEST-NET-3'),
  range('multicast-v4', '224.0.0.0/4', 'multicast', 'RFC 5771', 'IPv4 multicast'),
  range('future-use', '240.0.0.0/4', 'reserved', 'RFC 1112', 'reserved for future use'),
  range('broadcast', '255.255.255.255/32', 'broadcast', 'RFC 919', 'limited broadcast'),
  range('unspecified-v6', '::/128', 'unspecified', 'RFC 4291', 'IPv6 unspecified address'),
  range('loopback-v6', '::1/128', 'loopback', 'RFC 4291', 'IPv6 loopback'),
  range('ipv4-mapped', '::ffff:0.0.0.0/96', 'translation', 'RFC 4291', 'IPv4-mapped IPv6 addresses'),
  range('nat64', '64:ff9b::/96', 'translation', 'RFC 6052', 'NAT64 well-known prefix'),
  range('nat64-local', '64:ff9b:1::/48', 'translation', 'RFC 8215', 'NAT64 local-use prefix'),
  range('discard-v6', '100::/64', 'reserved', 'RFC 6666', 'discard-only prefix'),
  range('ietf-protocol-v6', '2001::/23', 'reserved', 'RFC 2928', 'IETF protocol assignments (includes Teredo 2001::/32)'),
  range('documentation-v6', '2001:db8::/32', 'documentation', 'RFC 3849', 'IPv6 documentation'),
  range('6to4', '2002::/16', 'translation', 'RFC 3056', '6to4'),
  range('documentation-v6-2', '3fff::/20', 'documentation', 'RFC 9637', 'IPv6 documentation (2024)'),
  range('ula', 'fc00::/7', 'private', 'RFC 4193', 'IPv6 unique local addresses'),
  range('link-local-v6', 'fe80::/10', 'link-local', 'RFC 4291', 'IPv6 link-local'),
  range('site-local-v6', 'fec0::/10', 'reserved', 'RFC 3879', 'deprecated IPv6 site-local'),
  range('multicast-v6', 'ff00::/8', 'multicast', 'RFC 4291', 'IPv6 multicast'),
]);

/** Kinds that usually mean "our own network": blocking or exposing them is a guardrail question. */
export const INTERNAL_KINDS: readonly ReservedKind[] = ['private', 'shared', 'loopback', 'link-local'];

/** How a block relates to a reserved range: entirely `inside` it, or `covers` the whole range. */
export interface ReservedMatch {
  range: ReservedRange;
  relation: 'inside' | 'covers';
}

// Parsed once; "keep" so ::ffff:0:0/96 stays the IPv6 range it names.
const PARSED = RESERVED_RANGES.map((r) => ({ range: r, cidr: parseCidr(r.cidr, { mapped: 'keep' }) }));

/**
 * Every reserved range the block touches, most specific first for `inside` matches. A block such as
 * 0.0.0.0/0 `covers` many ranges; "10.1.2.3/32" is `inside` rfc1918-10. Optionally limited to some kinds.
 */
export function reservedRangesFor(value: Cidr | string, kinds?: readonly ReservedKind[]): ReservedMatch[] {
  const cidr = toCidr(value);
  // A block kept as IPv4-mapped IPv6 is also checked as the IPv4 block it carries.
  const views = isIpv4Mapped(cidr) ? [cidr, unwrapIpv4Mapped(cidr)] : [cidr];
  const matches: ReservedMatch[] = [];
  for (const { range: r, cidr: reserved } of PARSED) {
    if (kinds && !kinds.includes(r.kind)) continue;
    if (views.some((v) => contains(reserved, v))) matches.push({ range: r, relation: 'inside' });
    else if (views.some((v) => contains(v, reserved))) matches.push({ range: r, relation: 'covers' });
  }
  // Most specific = fewest host bits, so an unwrapped IPv4 view outranks the IPv6 ::ffff:0:0/96 range.
  const specificity = (m: ReservedMatch) => (m.relation === 'inside' ? hostBitsOf(m.range) : 1000);
  return matches.sort((a, b) => specificity(a) - specificity(b));
}

function hostBitsOf(r: ReservedRange): number {
  const prefix = Number(r.cidr.slice(r.cidr.indexOf('/') + 1));
  return (r.cidr.includes(':') ? 128 : 32) - prefix;
}

/** The most specific reserved range wholly containing the block, if any. */
export function reservedRangeContaining(value: Cidr | string): ReservedRange | undefined {
  return reservedRangesFor(value).find((m) => m.relation === 'inside')?.range;
}

/** True when the block touches a private, CGNAT, loopback or link-local range (either direction). */
export function touchesInternalRange(value: Cidr | string): boolean {
  return reservedRangesFor(value, INTERNAL_KINDS).length > 0;
}

/** True when the block lies entirely in public unicast space (touches no reserved range at all). */
export function isPublicUnicast(value: Cidr | string): boolean {
  return reservedRangesFor(value).length === 0;
}

import { describe, expect, it } from 'vitest';
import {
  blockSize,
  canonicalCidr,
  commonSupernet,
  compareCidrs,
  contains,
  equalCidrs,
  familyOf,
  formatCidr,
  hasHostBits,
  isIpv4Mapped,
  overlaps,
  parentOf,
  parseCidr,
  prefixLengthOf,
  siblingOf,
  tryParseCidr,
} from './cidr.ts';
import { InvalidAddressError } from './ip.ts';
import { randomCidr, seededRandom } from './random-cidrs.ts';

describe('canonical form', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7/32'],
    ['203.0.113.0/24', '203.0.113.0/24'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:DB8::', '2001:db8::/128'],
    ['2001:db8:0:0::/64', '2001:db8::/64'],
    ['::/0', '::/0'],
    ['::ffff:192.0.2.1', '192.0.2.1/32'],
    ['::ffff:192.0.2.0/120', '192.0.2.0/24'],
    ['::ffff:0:0/96', '0.0.0.0/0'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalCidr(input)).toBe(expected);
  });

  it('keeps IPv4-mapped blocks as IPv6 on request, and below /96 always', () => {
    const kept = parseCidr('::ffff:192.0.2.1', { mapped: 'keep' });
    expect(kept.family).toBe('ipv6');
    expect(isIpv4Mapped(kept)).toBe(true);
    expect(formatCidr(kept)).toBe('::ffff:192.0.2.1/128');
    expect(canonicalCidr('::/80')).toBe('::/80');
  });

  it('masks host bits only when asked', () => {
    expect(canonicalCidr('10.0.0.5/24', { hostBits: 'mask' })).toBe('10.0.0.0/24');
    expect(canonicalCidr('2001:db8::1/32', { hostBits: 'mask' })).toBe('2001:db8::/32');
  });
});

describe('strict validation', () => {
  it.each([
    ['10.0.0.5/24', 'host-bits', /bits set beyond the \/24.*"10\.0\.0\.0\/24", or "10\.0\.0\.5" alone/],
    ['10.0.0.0/33', 'prefix', /prefix length "33".*0-32 for IPv4/],
    ['2001:db8::/129', 'prefix', /0-128 for IPv6/],
    ['10.0.0.0/', 'prefix', /missing/],
    ['10.0.0.0/08', 'prefix', /without leading zeros/],
    ['10.0.0.0/8/8', 'prefix', /more than one/],
    ['10.0.0.0/+8', 'prefix', /not valid/],
    ['10.0.0/8', 'ipv4-syntax', /3 dot-separated parts/],
    ['', 'empty', /empty/],
  ])('%j is refused (%s)', (input, reason, message) => {
    const result = tryParseCidr(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(InvalidAddressError);
    expect(result.error.reason).toBe(reason);
    expect(result.error.message).toMatch(message);
    expect(result.error.message).toContain(JSON.stringify(input));
  });

  it('refuses non-strings without crashing', () => {
    expect(() => parseCidr(42 as unknown as string)).toThrow(/not-a-string|got a number/);
  });
});

describe('relations', () => {
  it('contains and overlaps', () => {
    expect(contains('10.0.0.0/8', '10.1.2.3')).toBe(true);
    expect(contains('10.0.0.0/8', '10.0.0.0/8')).toBe(true);
    expect(contains('10.1.2.3', '10.0.0.0/8')).toBe(false);
    expect(contains('0.0.0.0/0', '255.255.255.255')).toBe(true);
    expect(contains('::/0', '10.0.0.1')).toBe(false);
    expect(contains('2001:db8::/32', '2001:db8:ffff::/48')).toBe(true);
    expect(contains('::ffff:10.0.0.0/104', '10.1.1.1')).toBe(true);
    expect(overlaps('10.1.2.3', '10.0.0.0/8')).toBe(true);
    expect(overlaps('10.0.0.0/25', '10.0.0.128/25')).toBe(false);
    expect(overlaps('10.0.0.0/8', '2001:db8::/32')).toBe(false);
  });

  it('family, prefix length and size', () => {
    expect(familyOf('2001:db8::/32')).toBe('ipv6');
    expect(familyOf('::ffff:1.2.3.4')).toBe('ipv4');
    expect(prefixLengthOf('10.0.0.1')).toBe(32);
    expect(prefixLengthOf('2001:db8::1')).toBe(128);
    expect(blockSize('10.0.0.0/24')).toBe(256n);
    expect(blockSize('::/0')).toBe(1n << 128n);
  });

  it('parent, sibling and supernet', () => {
    const a = parseCidr('10.0.0.0/25');
    const b = parseCidr('10.0.0.128/25');
    expect(formatCidr(siblingOf(a)!)).toBe('10.0.0.128/25');
    expect(formatCidr(parentOf(b)!)).toBe('10.0.0.0/24');
    expect(parentOf(parseCidr('0.0.0.0/0'))).toBeUndefined();
    expect(siblingOf(parseCidr('::/0'))).toBeUndefined();
    expect(formatCidr(commonSupernet(parseCidr('10.0.0.1'), parseCidr('10.0.3.1')))).toBe('10.0.0.0/22');
    expect(formatCidr(commonSupernet(parseCidr('0.0.0.0'), parseCidr('128.0.0.0')))).toBe('0.0.0.0/0');
  });

  it('orders IPv4 first, then by network, then shorter prefix', () => {
    const sorted = ['2001:db8::/32', '10.0.0.0/24', '10.0.0.0/8', '9.0.0.0/8']
      .map((c) => parseCidr(c))
      .sort(compareCidrs)
      .map(formatCidr);
    expect(sorted).toEqual(['9.0.0.0/8', '10.0.0.0/8', '10.0.0.0/24', '2001:db8::/32']);
  });
});

describe('properties (seeded)', () => {
  it('format/parse round-trip, and relations agree with address ranges', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 1500; i++) {
      const family = random.pick(['ipv4', 'ipv6'] as const);
      const within = family === 'ipv4' ? { network: 0x0a000000n, prefix: 20 } : { network: 0x20010db8n << 96n, prefix: 116 };
      const bits = family === 'ipv4' ? 32 : 128;
      const a = randomCidr(random, family, within, within.prefix, bits);
      const b = randomCidr(random, family, within, within.prefix, bits);
      expect(parseCidr(formatCidr(a))).toEqual(a);
      const aEnd = a.network + blockSize(a);
      const bEnd = b.network + blockSize(b);
      expect(contains(a, b)).toBe(a.network <= b.network && bEnd <= aEnd);
      expect(overlaps(a, b)).toBe(a.network < bEnd && b.network < aEnd);
      expect(equalCidrs(a, b)).toBe(compareCidrs(a, b) === 0);
      const s = commonSupernet(a, b);
      expect(contains(s, a) && contains(s, b)).toBe(true);
      if (s.prefix < bits) {
        // Minimal: neither half of the supernet holds both blocks.
        const left = { family, prefix: s.prefix + 1, network: s.network };
        const right = siblingOf(left)!;
        for (const half of [left, right]) expect(contains(half, a) && contains(half, b)).toBe(false);
      }
    }
  });
});

describe('hasHostBits', () => {
  it.each([
    ['10.0.0.5/24', true],
    ['2001:db8::1/32', true],
    ['10.0.0.0/24', false],
    ['10.0.0.5', false],
    // Not an address/prefix at all: a different refusal, not host bits.
    ['10.0.0.256/24', false],
    ['10.0.0.0/33', false],
    ['', false],
  ])('%s → %s', (input, expected) => {
    expect(hasHostBits(input)).toBe(expected);
  });
});

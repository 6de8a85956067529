import { describe, expect, it } from 'vitest';
import { blockSize, type Cidr, contains, formatCidr, overlaps, parseCidr, siblingOf } from '../net/cidr.ts';
import { randomCidr, seededRandom } from '../net/random-cidrs.ts';
import { mergeCidrs, mergePrefixes, widenPrefixes } from './packing-prefixes.ts';

describe('mergePrefixes: exact aggregation', () => {
  it.each([
    [['10.0.0.1', '10.0.0.1/32', '10.0.0.1'], ['10.0.0.1/32']],
    [['10.0.0.0/8', '10.1.2.3', '10.200.0.0/16'], ['10.0.0.0/8']],
    [['10.0.0.0/25', '10.0.0.128/25'], ['10.0.0.0/24']],
    [['10.0.0.0/26', '10.0.0.64/26', '10.0.0.128/26', '10.0.0.192/26'], ['10.0.0.0/24']],
    [['10.0.0.0/26', '10.0.0.64/26', '10.0.0.128/26'], ['10.0.0.0/25', '10.0.0.128/26']],
    [['10.0.0.128/25', '10.0.1.0/25'], ['10.0.0.128/25', '10.0.1.0/25']],
    [['10.0.0.2', '10.0.0.3', '10.0.0.0', '10.0.0.1'], ['10.0.0.0/30']],
    [['0.0.0.0/1', '128.0.0.0/1'], ['0.0.0.0/0']],
    [['2001:db8::/33', '2001:db8:8000::/33', '10.0.0.0/9', '10.128.0.0/9'], ['10.0.0.0/8', '2001:db8::/32']],
    [['0.0.0.0/1', '::/1'], ['0.0.0.0/1', '::/1']],
    [[], []],
  ])('%j → %j', (input, expected) => {
    expect(mergePrefixes(input)).toEqual(expected);
  });

  it('never widens: a lone half stays a half', () => {
    expect(mergePrefixes(['203.0.113.0/25'])).toEqual(['203.0.113.0/25']);
    expect(mergePrefixes(['203.0.113.7', '203.0.113.8'])).toEqual(['203.0.113.7/32', '203.0.113.8/32']);
  });

  it('refuses invalid text with the parser error', () => {
    expect(() => mergePrefixes(['10.0.0.5/24'])).toThrow(/host bits|bits set/);
  });
});

/** Every address of a small cluster, as a membership bitmap (exact coverage comparison). */
function coverage(cidrs: readonly Cidr[], base: bigint, size: number): boolean[] {
  const map = new Array<boolean>(size).fill(false);
  for (const c of cidrs) {
    const start = Number(c.network - base);
    for (let i = 0; i < Number(blockSize(c)); i++) map[start + i] = true;
  }
  return map;
}

describe('mergePrefixes: properties (seeded)', () => {
  const clusters = [
    { family: 'ipv4' as const, within: { network: 0xcb007000n, prefix: 22 }, bits: 32 },
    { family: 'ipv6' as const, within: { network: 0x20010db8n << 96n, prefix: 118 }, bits: 128 },
  ];
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: same addresses, disjoint, no mergeable siblings, idempotent, order-free`, () => {
      const random = seededRandom(seed);
      for (let round = 0; round < 60; round++) {
        const cluster = random.pick(clusters);
        const size = 1 << (cluster.bits - cluster.within.prefix);
        const input = Array.from({ length: random.int(0, 40) }, () =>
          randomCidr(random, cluster.family, cluster.within, cluster.within.prefix + 1, cluster.bits),
        );
        const merged = mergeCidrs(input);
        expect(coverage(merged, cluster.within.network, size)).toEqual(coverage(input, cluster.within.network, size));
        for (let i = 0; i < merged.length; i++) {
          for (let j = i + 1; j < merged.length; j++) expect(overlaps(merged[i]!, merged[j]!)).toBe(false);
          const sibling = siblingOf(merged[i]!);
          expect(merged.some((m) => sibling && formatCidr(m) === formatCidr(sibling))).toBe(false);
        }
        expect(mergeCidrs(merged)).toEqual(merged);
        const shuffled = [...input].sort(() => random.next() - 0.5);
        expect(mergeCidrs(shuffled)).toEqual(merged);
      }
    });
  }
});

describe('widenPrefixes: opt-in, bounded, reported', () => {
  it('widens the cheapest neighbours first and reports what was added', () => {
    const result = widenPrefixes(['10.0.0.1', '10.0.0.3', '10.0.9.0/24'], {
      maxPrefixes: 2,
      minPrefixLength: { ipv4: 24 },
    });
    expect(result).toEqual({
      cidrs: ['10.0.0.0/30', '10.0.9.0/24'],
      widened: [{ to: '10.0.0.0/30', from: ['10.0.0.1/32', '10.0.0.3/32'], addedAddresses: 2n }],
      fits: true,
    });
  });

  it('never goes shorter than the allowed prefix length, and says when it cannot fit', () => {
    const result = widenPrefixes(['10.0.0.1', '10.0.1.1'], { maxPrefixes: 1, minPrefixLength: { ipv4: 24 } });
    expect(result.cidrs).toEqual(['10.0.0.1/32', '10.0.1.1/32']);
    expect(result.fits).toBe(false);
    expect(widenPrefixes(['2001:db8::1', '2001:db8::3'], { maxPrefixes: 1, minPrefixLength: { ipv4: 0 } }).fits).toBe(
      false,
    );
  });

  it('does nothing when the exact merge already fits', () => {
    expect(widenPrefixes(['10.0.0.0/25', '10.0.0.128/25'], { maxPrefixes: 1, minPrefixLength: { ipv4: 8 } })).toEqual({
      cidrs: ['10.0.0.0/24'],
      widened: [],
      fits: true,
    });
  });

  it('property (seeded): covers the input, respects the bound, reports every widened block', () => {
    const random = seededRandom(99);
    for (let round = 0; round < 200; round++) {
      const within = { network: 0xc6336400n, prefix: 20 };
      const input = Array.from({ length: random.int(1, 30) }, () => randomCidr(random, 'ipv4', within, 24, 32));
      const maxPrefixes = random.int(1, 10);
      const minPrefix = random.int(16, 30);
      const result = widenPrefixes(input, { maxPrefixes, minPrefixLength: { ipv4: minPrefix } });
      const out = result.cidrs.map((c) => parseCidr(c));
      for (const c of input) expect(out.some((o) => contains(o, c))).toBe(true);
      for (let i = 0; i + 1 < out.length; i++) expect(overlaps(out[i]!, out[i + 1]!)).toBe(false);
      expect(mergeCidrs(out)).toEqual(out);
      expect(result.fits).toBe(out.length <= maxPrefixes);
      const exact = mergeCidrs(input).map(formatCidr);
      for (const block of result.cidrs) {
        const isExact = exact.includes(block);
        expect(isExact || result.widened.some((w) => w.to === block)).toBe(true);
        if (isExact) continue;
        // Every added address lies in a /minPrefix block that holds an asked address.
        const wide = parseCidr(block);
        const pieces = wide.prefix >= minPrefix ? 1 : 2 ** (minPrefix - wide.prefix);
        const pieceSize = blockSize({ ...wide, prefix: Math.max(minPrefix, wide.prefix) });
        for (let k = 0; k < pieces; k++) {
          const piece = { family: wide.family, prefix: Math.max(minPrefix, wide.prefix), network: wide.network + BigInt(k) * pieceSize };
          expect(input.some((c) => overlaps(piece, c))).toBe(true);
        }
      }
    }
  });
});

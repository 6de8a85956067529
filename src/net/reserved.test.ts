import { describe, expect, it } from 'vitest';
import { parseCidr } from './cidr.ts';
import {
  isPublicUnicast,
  RESERVED_RANGES,
  reservedRangeContaining,
  reservedRangesFor,
  touchesInternalRange,
} from './reserved.ts';

describe('reserved ranges', () => {
  it('every listed range is canonical and uniquely named', () => {
    const names = new Set(RESERVED_RANGES.map((r) => r.name));
    expect(names.size).toBe(RESERVED_RANGES.length);
    for (const r of RESERVED_RANGES) expect(() => parseCidr(r.cidr, { mapped: 'keep' })).not.toThrow();
  });

  it.each([
    ['10.1.2.3', 'rfc1918-10'],
    ['172.31.255.255', 'rfc1918-172'],
    ['192.168.1.0/24', 'rfc1918-192'],
    ['100.64.0.1', 'cgnat'],
    ['127.0.0.1', 'loopback-v4'],
    ['169.254.169.254', 'link-local-v4'],
    ['224.0.0.251', 'multicast-v4'],
    ['192.0.2.1', 'test-net-1'],
    ['198.51.100.0/25', 'test-net-2'],
    ['203.0.113.7', 'test-net-3'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'loopback-v6'],
    ['fd12:3456::1', 'ula'],
    ['fe80::1', 'link-local-v6'],
    ['ff02::1', 'multicast-v6'],
    ['2001:db8::/48', 'documentation-v6'],
    ['::ffff:10.0.0.1', 'rfc1918-10'],
  ])('%s is inside %s (most specific first)', (cidr, name) => {
    expect(reservedRangeContaining(cidr)?.name).toBe(name);
  });

  it('a wide block covers the ranges inside it', () => {
    const matches = reservedRangesFor('0.0.0.0/0');
    expect(matches.every((m) => m.relation === 'covers')).toBe(true);
    expect(matches.map((m) => m.range.name)).toContain('rfc1918-10');
    expect(reservedRangesFor('10.0.0.0/7').map((m) => m.range.name)).toEqual(['rfc1918-10']);
  });

  it('IPv4-mapped blocks kept as IPv6 are also checked as IPv4', () => {
    const kept = parseCidr('::ffff:192.168.0.1', { mapped: 'keep' });
    expect(reservedRangesFor(kept).map((m) => m.range.name)).toEqual(['rfc1918-192', 'ipv4-mapped']);
  });

  it('filters by kind for guardrails', () => {
    expect(touchesInternalRange('8.8.8.8')).toBe(false);
    expect(touchesInternalRange('10.0.0.1')).toBe(true);
    expect(touchesInternalRange('0.0.0.0/0')).toBe(true);
    expect(touchesInternalRange('203.0.113.7')).toBe(false);
    expect(touchesInternalRange('fc00::1')).toBe(true);
    expect(reservedRangesFor('203.0.113.7', ['private'])).toEqual([]);
  });

  it('public unicast', () => {
    expect(isPublicUnicast('8.8.8.8')).toBe(true);
    expect(isPublicUnicast('2606:4700::1111')).toBe(true);
    expect(isPublicUnicast('203.0.113.7')).toBe(false);
    expect(isPublicUnicast('0.0.0.0/0')).toBe(false);
  });
});

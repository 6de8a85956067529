import { describe, expect, it } from 'vitest';
import { familyOfText, formatIp, InvalidAddressError, parseIp, tryParseIp } from './ip.ts';
import { seededRandom } from './random-cidrs.ts';

function reasonOf(input: string): string {
  try {
    parseIp(input);
  } catch (error) {
    if (error instanceof InvalidAddressError) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('parseIp: valid input', () => {
  it.each([
    ['0.0.0.0', 'ipv4', 0n],
    ['192.0.2.10', 'ipv4', 0xc000020an],
    ['255.255.255.255', 'ipv4', 0xffffffffn],
    ['::', 'ipv6', 0n],
    ['::1', 'ipv6', 1n],
    ['2001:DB8::1', 'ipv6', 0x20010db8000000000000000000000001n],
    ['1:2:3:4:5:6:7:8', 'ipv6', 0x00010002000300040005000600070008n],
    ['1::', 'ipv6', 0x00010000000000000000000000000000n],
    ['::ffff:192.0.2.1', 'ipv6', 0xffffc0000201n],
    ['1:2:3:4:5:6:1.2.3.4', 'ipv6', 0x00010002000300040005000601020304n],
  ])('%s', (input, family, value) => {
    expect(parseIp(input)).toEqual({ family, value });
  });
});

describe('parseIp: refusals say what was wrong', () => {
  it.each([
    ['', 'empty'],
    [' 10.0.0.1', 'whitespace'],
    ['10.0.0.1\n', 'whitespace'],
    ['fe80::1%eth0', 'zone'],
    ['10.0.0', 'ipv4-syntax'],
    ['10.0.0.1.2', 'ipv4-syntax'],
    ['10.0.0.256', 'ipv4-octet'],
    ['010.0.0.1', 'ipv4-octet'],
    ['10.0.0.-1', 'ipv4-octet'],
    ['10.0.0.0x1', 'ipv4-octet'],
    ['1::2::3', 'ipv6-syntax'],
    ['1:2:3:4:5:6:7', 'ipv6-syntax'],
    ['1:2:3:4:5:6:7:8:9', 'ipv6-syntax'],
    ['1:2:3:4::5:6:7:8', 'ipv6-syntax'],
    [':1:2:3:4:5:6:7', 'ipv6-syntax'],
    ['1:::2', 'ipv6-syntax'],
    ['12345::', 'ipv6-syntax'],
    ['g::1', 'ipv6-syntax'],
    ['1.2.3.4::', 'ipv6-syntax'],
    ['::1.2.3.4:1', 'ipv6-syntax'],
    ['::ffff:1.2.3.256', 'ipv4-octet'],
  ])('%j → %s', (input, reason) => {
    expect(reasonOf(input)).toBe(reason);
  });

  it('messages name the problem and the expected form', () => {
    expect(() => parseIp('010.0.0.1')).toThrow(/leading zero.*expected four decimal octets/);
    expect(() => parseIp('1::2::3')).toThrow(/"::" appears more than once; expected eight hex groups/);
  });
});

describe('formatIp', () => {
  it.each([
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['::ffff:c000:0201', '::ffff:192.0.2.1'],
    ['FE80::ABCD', 'fe80::abcd'],
  ])('%s → %s (RFC 5952)', (input, expected) => {
    expect(formatIp(parseIp(input))).toBe(expected);
  });

  it('round-trips random addresses (seeded)', () => {
    const random = seededRandom(42);
    for (let i = 0; i < 2000; i++) {
      const family = random.pick(['ipv4', 'ipv6'] as const);
      // Sparse values so zero runs of every length appear.
      let value = 0n;
      const groups = family === 'ipv4' ? 2 : 8;
      for (let g = 0; g < groups; g++) value = (value << 16n) | (random.next() < 0.4 ? 0n : BigInt(random.int(0, 0xffff)));
      const text = formatIp({ family, value });
      expect(parseIp(text)).toEqual({ family, value });
    }
  });
});

describe('tryParseIp', () => {
  it('returns the address when it parses', () => {
    expect(tryParseIp('2001:db8::1')).toEqual({ ok: true, address: { family: 'ipv6', value: 0x20010db8000000000000000000000001n } });
  });

  it('returns the same error parseIp throws instead of throwing', () => {
    const result = tryParseIp('10.0.0.256');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(InvalidAddressError);
      expect(result.error.reason).toBe('ipv4-octet');
    }
  });
});

describe('familyOfText', () => {
  it.each([
    ['203.0.113.0/24', 'ipv4'],
    ['2001:db8::/32', 'ipv6'],
    ['::ffff:192.0.2.1', 'ipv6'],
    // No validation: the text is only read for the family it is written in.
    ['', 'ipv4'],
    ['not:an:address', 'ipv6'],
  ])('%s is written as %s', (text, family) => {
    expect(familyOfText(text)).toBe(family);
  });
});

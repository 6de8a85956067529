import { describe, expect, it } from 'vitest';
import { inlineAddresses, referencesList } from './expression.ts';

describe('rules language shapes the connector reads', () => {
  it('finds the list reference alone or inside a larger expression, never a list whose name only starts the same', () => {
    expect(referencesList('ip.src in $portcullis_blocks', 'portcullis_blocks')).toBe(true);
    expect(referencesList('(ip.src in $portcullis_blocks and http.host eq "example.com")', 'portcullis_blocks')).toBe(true);
    expect(referencesList('ip.src in $portcullis_blocks_old', 'portcullis_blocks')).toBe(false);
    expect(referencesList('ip.dst in $portcullis_blocks', 'portcullis_blocks')).toBe(false);
    expect(referencesList('not ip.src in $other', 'portcullis_blocks')).toBe(false);
  });

  it('reads inline address sets and single addresses, and nothing else', () => {
    expect(inlineAddresses('ip.src in {192.0.2.1 198.51.100.0/24 2001:db8::/32}')).toEqual(['192.0.2.1/32', '198.51.100.0/24', '2001:db8::/32']);
    expect(inlineAddresses('(ip.src eq 203.0.113.7)')).toEqual(['203.0.113.7/32']);
    expect(inlineAddresses('ip.src in {192.0.2.1..192.0.2.9}')).toBeUndefined();
    expect(inlineAddresses('ip.src in $list')).toBeUndefined();
    expect(inlineAddresses('http.request.uri.path contains "/wp-admin"')).toBeUndefined();
  });
});

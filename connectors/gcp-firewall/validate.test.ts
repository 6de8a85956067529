import { afterEach, describe, expect, it } from 'vitest';
import type { NormalizedRule } from '../../src/connectors/types.ts';
import { IPV4_TARGET, startTestbed, TARGET, type Testbed } from './testbed.ts';

const rule = (overrides: Partial<NormalizedRule> = {}): NormalizedRule => ({
  direction: 'ingress',
  action: 'deny',
  protocol: 'tcp',
  ports: [{ from: 443, to: 443 }],
  cidrs: ['203.0.113.0/24'],
  priority: 1000,
  placement: 'firewall',
  owned: true,
  ...overrides,
});

let bed: Testbed;
afterEach(() => bed.close());

describe('validate: problems found before any cloud call', () => {
  it('accepts a good rule', () => {
    bed = startTestbed();
    expect(bed.connector.validate(TARGET, rule())).toEqual([]);
    expect(bed.connector.validate(TARGET, rule({ cidrs: ['2001:db8::/64'] }))).toEqual([]);
  });

  it.each([
    ['an invalid CIDR', { cidrs: ['203.0.113.300/32'] }, /not a valid IPv4 or IPv6 CIDR/],
    ['host bits set', { cidrs: ['10.0.0.1/8'] }, /host bits set; use 10.0.0.0\/8/],
    ['a non-canonical IPv6 text', { cidrs: ['2001:DB8:0:0::/64'] }, /not canonical; use 2001:db8::\/64/],
    ['mixed families', { cidrs: ['203.0.113.0/24', '2001:db8::/64'] }, /IPv4 or IPv6 ranges, never both/],
    ['a port above 65535', { ports: [{ from: 1, to: 70000 }] }, /outside 0-65535/],
    ['a reversed port range', { ports: [{ from: 90, to: 80 }] }, /starts after it ends/],
    ['ports on icmp', { protocol: 'icmp' as const }, /ports only apply to tcp and udp/],
    ['a priority outside the band', { priority: 999 }, /outside the band 1000-1999/],
    ['a name GCP rejects', { cloudId: 'Portcullis_Rule' }, /must be 1-63 characters/],
    ['a name longer than 63', { cloudId: `portcullis-${'a'.repeat(60)}` }, /must be 1-63 characters/],
    ['a foreign name', { cloudId: 'default-allow-ssh' }, /not owned by portcullis/],
    ['the wrong placement', { placement: 'nacl' as const }, /use "firewall"/],
    ['a source tag on egress', { direction: 'egress' as const, sourceGroup: 'web' }, /egress/],
  ])('rejects %s', (_name, overrides, message) => {
    bed = startTestbed();
    const problems = bed.connector.validate(TARGET, rule(overrides));
    expect(problems.join('\n')).toMatch(message);
  });

  it('rejects IPv6 and too many ranges on an IPv4-only target with max 3 ranges', () => {
    bed = startTestbed();
    const problems = bed.connector.validate(
      IPV4_TARGET,
      rule({ priority: 500, cidrs: ['2001:db8::/64', '2001:db8:1::/64', '2001:db8:2::/64', '2001:db8:3::/64'] }),
    );
    expect(problems.join('\n')).toMatch(/IPv6 but target vpc-ipv4 is IPv4-only/);
    expect(problems.join('\n')).toMatch(/4 ranges exceed the 3 per rule/);
  });

  it('apply refuses invalid rules with zero requests sent', async () => {
    bed = startTestbed();
    const results = await bed.connector.apply(TARGET, [
      { op: 'create', rule: rule({ cidrs: ['203.0.113.0/24', '2001:db8::/64'] }) },
      { op: 'create', rule: rule({ priority: 5 }) },
      { op: 'delete', rule: rule({ cloudId: 'default-allow-ssh', owned: false }) },
      { op: 'update', before: rule({ cloudId: 'default-allow-ssh' }), rule: rule({ cloudId: 'default-allow-ssh' }) },
    ]);
    expect(results.map((r) => [r.ok, r.error?.kind, r.calls.length])).toEqual([
      [false, 'validation', 0],
      [false, 'validation', 0],
      [false, 'validation', 0],
      [false, 'validation', 0],
    ]);
    expect(bed.sim.controls.requests()).toEqual([]);
    expect(bed.sim.controls.writeCalls()).toBe(0);
  });
});

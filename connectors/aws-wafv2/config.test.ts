import { describe, expect, it } from 'vitest';
import { awsWafv2ConfigSchema } from './config.ts';

const base = { region: 'us-east-1', credentials: { source: 'default' }, targets: [{ id: 'edge', webAcl: 'edge-web-acl', rulePriority: 0 }] };
const problems = (config: object) => {
  const parsed = awsWafv2ConfigSchema.safeParse(config);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('aws-wafv2 config', () => {
  it('fills the defaults: REGIONAL scope, 10 sets of 10,000 addresses, IPv6, marker portcullis', () => {
    expect(awsWafv2ConfigSchema.parse(base)).toMatchObject({
      ownerMarker: 'portcullis',
      targets: [{ scope: 'REGIONAL', maxIpSets: 10, maxAddressesPerSet: 10_000, ipv6: true }],
    });
  });

  it('names what is wrong and what is expected', () => {
    expect(problems({ ...base, targets: [{ ...base.targets[0], scope: 'CLOUDFRONT' }], region: 'eu-west-1' })).toEqual([
      'targets.0.scope: scope CLOUDFRONT needs region us-east-1 (WAF manages CloudFront web ACLs there), not eu-west-1',
    ]);
    expect(problems({ ...base, targets: [{ ...base.targets[0], maxAddressesPerSet: 10_001 }] })).toEqual([
      'targets.0.maxAddressesPerSet: maxAddressesPerSet is at most 10000 (WAF quota)',
    ]);
    expect(problems({ ...base, targets: [{ ...base.targets[0], webAcl: 'has space' }] })[0]).toMatch(/webAcl: letters, digits/);
    expect(problems({ ...base, targets: [{ id: 'edge', webAcl: 'a' }] })[0]).toMatch(/rulePriority/);
    expect(problems({ ...base, targets: [base.targets[0], base.targets[0]] })).toEqual(['targets.1.id: target id "edge" is used twice']);
  });

  it('keeps the simulator’s fake keys away from anything but loopback', () => {
    const sim = { ...base, credentials: { source: 'simulator' } };
    expect(problems({ ...sim, endpoint: 'http://127.0.0.1:8788' })).toEqual([]);
    expect(problems({ ...sim, endpoint: 'https://wafv2.us-east-1.amazonaws.com' })[0]).toMatch(/only valid with a loopback endpoint/);
  });
});

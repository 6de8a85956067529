import { describe, expect, it } from 'vitest';
import { awsNetworkFirewallConfigSchema } from './config.ts';

const base = { region: 'us-east-1', credentials: { source: 'default' }, targets: [{ id: 'edge', ruleGroup: 'portcullis-blocks' }] };
const issues = (config: unknown) => {
  const parsed = awsNetworkFirewallConfigSchema.safeParse(config);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('connector config', () => {
  it('fills the defaults: band 100-199, IPv6 on, marker portcullis, 5 token retries', () => {
    expect(awsNetworkFirewallConfigSchema.parse(base)).toMatchObject({
      ownerMarker: 'portcullis',
      tokenRetries: 5,
      targets: [{ priorityBand: { from: 100, to: 199 }, ipv6: true }],
    });
  });

  it('refuses a rule group or policy ARN of another region, naming both', () => {
    const arn = 'arn:aws:network-firewall:eu-west-1:123456789012:stateless-rulegroup/portcullis-blocks';
    expect(issues({ ...base, targets: [{ id: 'edge', ruleGroup: arn }] })).toEqual([`targets.0.ruleGroup: ruleGroup ${arn} is in eu-west-1, but the connector's region is us-east-1`]);
  });

  it('refuses an ARN of another account than accountId, naming both', () => {
    const arn = 'arn:aws:network-firewall:us-east-1:210987654321:firewall-policy/edge';
    expect(issues({ ...base, accountId: '123456789012', targets: [{ id: 'edge', ruleGroup: 'g', firewallPolicy: arn }] })).toEqual([
      `targets.0.firewallPolicy: firewallPolicy ${arn} is in account 210987654321, but the connector's account is 123456789012`,
    ]);
    expect(issues({ ...base, targets: [{ id: 'edge', ruleGroup: 'g', firewallPolicy: arn }] })).toEqual([]);
  });

  it('refuses a stateful rule group ARN, priorities outside 1-65535 and an inverted band', () => {
    expect(issues({ ...base, targets: [{ id: 'edge', ruleGroup: 'arn:aws:network-firewall:us-east-1:123456789012:stateful-rulegroup/x' }] })[0]).toMatch(/^targets\.0\.ruleGroup/);
    expect(issues({ ...base, targets: [{ id: 'edge', ruleGroup: 'g', priorityBand: { from: 0, to: 10 } }] })[0]).toMatch(/priorities start at 1/);
    expect(issues({ ...base, targets: [{ id: 'edge', ruleGroup: 'g', priorityBand: { from: 100, to: 70_000 } }] })[0]).toMatch(/priorities end at 65535/);
    expect(issues({ ...base, targets: [{ id: 'edge', ruleGroup: 'g', priorityBand: { from: 200, to: 100 } }] })[0]).toMatch(/must not be greater/);
  });

  it('keeps simulator credentials away from real endpoints', () => {
    expect(issues({ ...base, credentials: { source: 'simulator' }, endpoint: 'https://network-firewall.us-east-1.amazonaws.com' })).toEqual([
      'credentials: credentials { source: simulator } are only valid with a loopback endpoint (the sandbox simulator)',
    ]);
    expect(issues({ ...base, credentials: { source: 'simulator' }, endpoint: 'http://127.0.0.1:9000/' })).toEqual([]);
  });
});

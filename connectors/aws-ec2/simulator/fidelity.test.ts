import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { createEc2Simulator, type Ec2Simulator } from './index.ts';
import { SEED_APP_SG_ID, SEED_NACL_ID, SEED_SG_ID, SEED_VPC_ID } from './seed.ts';

/**
 * Replays the operation behind each real EC2 payload in /work/shared/fixtures/cloud/aws/examples against the
 * simulator and compares the XML structure (element paths, root element, namespace family) and status.
 * Every element path in the real payload must appear in the simulator's answer; the simulator may add
 * members that newer API versions return.
 */
const FIXTURES = '/work/shared/fixtures/cloud/aws/examples';

function structure(xml: string): { root: string; namespace: string | undefined; paths: Set<string> } {
  const paths = new Set<string>();
  const stack: string[] = [];
  let root = '';
  let namespace: string | undefined;
  for (const match of xml.matchAll(/<(\/?)([A-Za-z][\w.-]*)([^>]*?)(\/?)>/g)) {
    const [, closing, name = '', attributes = '', selfClosing] = match;
    if (closing) {
      stack.pop();
      continue;
    }
    if (stack.length === 0) {
      root = name;
      namespace = /xmlns="([^"]+)"/.exec(attributes)?.[1];
    }
    stack.push(name);
    paths.add(stack.join('/'));
    if (selfClosing) stack.pop();
  }
  return { root, namespace, paths };
}

const form = (params: Record<string, string>) => new URLSearchParams({ Version: '2016-11-15', ...params }).toString();

async function call(sim: Ec2Simulator, params: Record<string, string>): Promise<Response> {
  return sim.fetch(
    new Request('https://ec2.us-east-1.amazonaws.com/', {
      method: 'POST',
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=test', 'content-type': 'application/x-www-form-urlencoded' },
      body: form(params),
    }),
  );
}

const tcp80 = { 'IpPermissions.1.IpProtocol': 'tcp', 'IpPermissions.1.FromPort': '80', 'IpPermissions.1.ToPort': '80', 'IpPermissions.1.IpRanges.1.CidrIp': '0.0.0.0/0' };
const entry = { NetworkAclId: SEED_NACL_ID, RuleNumber: '110', Protocol: '6', RuleAction: 'allow', Egress: 'false', CidrBlock: '0.0.0.0/0', 'PortRange.From': '80', 'PortRange.To': '80' };

/** Fixture → the calls that set the stage, then the call whose answer is compared. */
const replays: Record<string, { setup?: Record<string, string>[]; call: Record<string, string>; status: number }> = {
  'authorize_security_group_ingress.xml': { call: { Action: 'AuthorizeSecurityGroupIngress', GroupId: SEED_SG_ID, ...tcp80 }, status: 200 },
  'authorize_security_group_egress.xml': { call: { Action: 'AuthorizeSecurityGroupEgress', GroupId: SEED_SG_ID, ...tcp80 }, status: 200 },
  'revoke_security_group_ingress.xml': {
    setup: [{ Action: 'AuthorizeSecurityGroupIngress', GroupId: SEED_SG_ID, ...tcp80 }],
    call: { Action: 'RevokeSecurityGroupIngress', GroupId: SEED_SG_ID, ...tcp80 },
    status: 200,
  },
  'revoke_security_group_egress.xml': {
    setup: [{ Action: 'AuthorizeSecurityGroupEgress', GroupId: SEED_SG_ID, ...tcp80 }],
    call: { Action: 'RevokeSecurityGroupEgress', GroupId: SEED_SG_ID, ...tcp80 },
    status: 200,
  },
  'create_security_group.xml': { call: { Action: 'CreateSecurityGroup', GroupName: 'new', GroupDescription: 'd', VpcId: SEED_VPC_ID }, status: 200 },
  'describe_security_groups.xml': {
    setup: [
      { Action: 'AuthorizeSecurityGroupIngress', GroupId: SEED_SG_ID, ...tcp80 },
      { Action: 'AuthorizeSecurityGroupIngress', GroupId: SEED_SG_ID, 'IpPermissions.1.IpProtocol': 'tcp', 'IpPermissions.1.FromPort': '6000', 'IpPermissions.1.ToPort': '7000', 'IpPermissions.1.Groups.1.GroupId': SEED_APP_SG_ID },
    ],
    call: { Action: 'DescribeSecurityGroups' },
    status: 200,
  },
  'describe_network_interfaces.xml': { call: { Action: 'DescribeNetworkInterfaces' }, status: 200 },
  'boto.describe_network_acls.xml': { setup: [{ Action: 'CreateNetworkAclEntry', ...entry }], call: { Action: 'DescribeNetworkAcls' }, status: 200 },
  'boto.create_network_acl_entry.xml': { call: { Action: 'CreateNetworkAclEntry', ...entry }, status: 200 },
  'boto.replace_network_acl_entry.xml': { setup: [{ Action: 'CreateNetworkAclEntry', ...entry }], call: { Action: 'ReplaceNetworkAclEntry', ...entry, RuleAction: 'deny' }, status: 200 },
  'boto.delete_network_acl_entry.xml': {
    setup: [{ Action: 'CreateNetworkAclEntry', ...entry }],
    call: { Action: 'DeleteNetworkAclEntry', NetworkAclId: SEED_NACL_ID, RuleNumber: '110', Egress: 'false' },
    status: 200,
  },
  // Error envelopes: any EC2 client error has this shape.
  'describe_key_pairs_doesnt_exist.xml': { call: { Action: 'DescribeSecurityGroups', 'GroupId.1': 'sg-00000000000000bad' }, status: 400 },
  'run_instances_idem_mismatch.xml': { call: { Action: 'DeleteNetworkAclEntry', NetworkAclId: SEED_NACL_ID, RuleNumber: '999', Egress: 'false' }, status: 400 },
  'smithy.ec2query.error.InvalidGreeting.xml': { call: { Action: 'CreateNetworkAclEntry', ...entry, RuleNumber: '0' }, status: 400 },
};

/** Operations the connector never calls, so the simulator does not implement them. */
const notSimulated = [
  'boto.create_network_acl.xml',
  'boto.delete_network_acl.xml',
  'boto.replace_network_acl_association.xml',
  'delete_security_group.xml',
  'modify_instance_attribute.xml',
  'smithy.ec2query.error.ComplexError.xml', // modelled error members (TopLevel, Nested) that EC2 errors do not carry
];

describe('simulator fidelity against real EC2 payloads', () => {
  it('covers every fixture file (replayed or explicitly not simulated)', () => {
    expect(readdirSync(FIXTURES).sort()).toEqual([...Object.keys(replays), ...notSimulated].sort());
  });

  it.each(Object.entries(replays))('%s', async (file, replay) => {
    const sim = createEc2Simulator({ clock: new FakeClock() });
    for (const setup of replay.setup ?? []) expect((await call(sim, setup)).status).toBe(200);
    const response = await call(sim, replay.call);
    expect(response.status).toBe(replay.status);
    expect(response.headers.get('content-type')).toMatch(/^text\/xml/);
    const actual = structure(await response.text());
    const expected = structure(readFileSync(`${FIXTURES}/${file}`, 'utf8'));
    expect(actual.root).toBe(expected.root);
    if (expected.namespace) expect(actual.namespace).toMatch(/^http:\/\/ec2\.amazonaws\.com\/doc\/\d{4}-\d{2}-\d{2}\/$/);
    expect([...expected.paths].filter((path) => !actual.paths.has(path))).toEqual([]);
  });

  it('throttles as EC2 does: 503 RequestLimitExceeded in the error envelope', async () => {
    const sim = createEc2Simulator({ clock: new FakeClock() });
    sim.controls.throttleNext(1);
    const response = await call(sim, { Action: 'CreateNetworkAclEntry', ...entry });
    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/<Response><Errors><Error><Code>RequestLimitExceeded<\/Code><Message>Request limit exceeded\.<\/Message><\/Error><\/Errors><RequestID>[^<]+<\/RequestID><\/Response>$/);
  });

  it('answers an unknown action with InvalidAction and an unsigned request with AuthFailure', async () => {
    const sim = createEc2Simulator({ clock: new FakeClock() });
    expect(await (await call(sim, { Action: 'RunInstances' })).text()).toContain('<Code>InvalidAction</Code>');
    const unsigned = await sim.fetch(new Request('https://ec2.us-east-1.amazonaws.com/', { method: 'POST', body: form({ Action: 'DescribeNetworkAcls' }) }));
    expect(unsigned.status).toBe(401);
  });

  it('enforces the per-direction NACL quota including the default entry, and DryRun changes nothing', async () => {
    const sim = createEc2Simulator({ clock: new FakeClock(), quotas: { naclEntriesPerDirection: 3 } });
    expect((await call(sim, { Action: 'CreateNetworkAclEntry', ...entry, DryRun: 'true' })).status).toBe(412);
    expect((await call(sim, { Action: 'CreateNetworkAclEntry', ...entry })).status).toBe(200);
    const full = await call(sim, { Action: 'CreateNetworkAclEntry', ...entry, RuleNumber: '111' });
    expect(await full.text()).toContain('<Code>NetworkAclEntryLimitExceeded</Code>');
    // IPv6 entries are counted separately.
    expect((await call(sim, { Action: 'CreateNetworkAclEntry', ...entry, RuleNumber: '112', CidrBlock: '', Ipv6CidrBlock: '::/0' })).status).toBe(400);
    const v6 = { ...entry, RuleNumber: '112' } as Record<string, string>;
    delete v6.CidrBlock;
    expect((await call(sim, { Action: 'CreateNetworkAclEntry', ...v6, Ipv6CidrBlock: '::/0' })).status).toBe(200);
  });
});

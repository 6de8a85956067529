import { DescribeRuleGroupCommand, InvalidTokenException, NetworkFirewallClient, ThrottlingException, UpdateRuleGroupCommand } from '@aws-sdk/client-network-firewall';
import { setupServer } from 'msw/node';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { createNfwSimulator, type NfwSimulator, TARGET_PREFIX } from './index.ts';
import { mswHandlers } from './msw.ts';
import { NFW_SIM_CAPACITY, NFW_SIM_RULE_GROUP } from './seed.ts';

/** Wire-level fidelity: the AWS JSON 1.0 protocol as the real SDK speaks it, and the documented errors. */
const ORIGIN = 'https://network-firewall.us-east-1.amazonaws.com';
let sim: NfwSimulator;
let clock: FakeClock;

function start(options: Parameters<typeof createNfwSimulator>[0] = {}) {
  clock = new FakeClock();
  sim = createNfwSimulator({ clock, ...options });
  return sim;
}

async function call(operation: string, input: unknown, headers: Record<string, string> = { authorization: 'AWS4-HMAC-SHA256 Credential=test' }) {
  const response = await sim.fetch(
    new Request(`${ORIGIN}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `${TARGET_PREFIX}${operation}`, ...headers },
      body: JSON.stringify(input),
    }),
  );
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

const byName = { RuleGroupName: NFW_SIM_RULE_GROUP, Type: 'STATELESS' };
const ruleOf = (priority: number, cidrs: string[], actions = ['aws:drop']) => ({
  Priority: priority,
  RuleDefinition: { MatchAttributes: { Sources: cidrs.map((c) => ({ AddressDefinition: c })) }, Actions: actions },
});
const bodyWith = (...rules: ReturnType<typeof ruleOf>[]) => ({ RulesSource: { StatelessRulesAndCustomActions: { StatelessRules: rules, CustomActions: [] } } });

describe('DescribeRuleGroup', () => {
  it('answers the documented shape: UpdateToken, RuleGroup, RuleGroupResponse with capacity, tags and epoch-seconds time', async () => {
    start();
    const { status, headers, body } = await call('DescribeRuleGroup', byName);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.UpdateToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.RuleGroupResponse).toMatchObject({
      RuleGroupName: NFW_SIM_RULE_GROUP,
      RuleGroupArn: `arn:aws:network-firewall:us-east-1:123456789012:stateless-rulegroup/${NFW_SIM_RULE_GROUP}`,
      Type: 'STATELESS',
      Capacity: NFW_SIM_CAPACITY,
      ConsumedCapacity: 1,
      RuleGroupStatus: 'ACTIVE',
      Tags: [{ Key: 'portcullis', Value: 'owned' }],
      LastModifiedTime: Date.parse('2026-01-01T00:00:00Z') / 1000,
    });
  });

  it('needs Type when it names the group without its ARN; an unknown group is ResourceNotFoundException', async () => {
    start();
    expect(await call('DescribeRuleGroup', { RuleGroupName: NFW_SIM_RULE_GROUP })).toMatchObject({ status: 400, body: { __type: 'InvalidRequestException' } });
    const missing = await call('DescribeRuleGroup', { RuleGroupName: 'nope', Type: 'STATELESS' });
    expect(missing).toMatchObject({ status: 400, body: { __type: 'ResourceNotFoundException' } });
    expect(missing.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
  });
});

describe('UpdateRuleGroup', () => {
  it('replaces the rules, moves the token on, and refuses the old token with InvalidTokenException', async () => {
    start();
    const { body: described } = await call('DescribeRuleGroup', byName);
    const updated = await call('UpdateRuleGroup', { ...byName, UpdateToken: described.UpdateToken, RuleGroup: bodyWith(ruleOf(100, ['203.0.113.7/32'])) });
    expect(updated.status).toBe(200);
    expect(updated.body.UpdateToken).not.toBe(described.UpdateToken);
    expect(updated.body.RuleGroupResponse).toMatchObject({ ConsumedCapacity: 1 });
    const stale = await call('UpdateRuleGroup', { ...byName, UpdateToken: described.UpdateToken, RuleGroup: bodyWith() });
    expect(stale).toMatchObject({ status: 400, body: { __type: 'InvalidTokenException' } });
  });

  it('DryRun validates and changes nothing: same token, same rules, not a write', async () => {
    start();
    const { body: described } = await call('DescribeRuleGroup', byName);
    const dry = await call('UpdateRuleGroup', { ...byName, UpdateToken: described.UpdateToken, RuleGroup: bodyWith(), DryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.UpdateToken).toBe(described.UpdateToken);
    expect((await call('DescribeRuleGroup', byName)).body).toEqual(described);
    expect(sim.controls.writeCalls()).toBe(0);
  });

  it('counts capacity as the product of match settings and refuses more than the group’s fixed capacity', async () => {
    start({ quotas: { ruleGroupCapacity: 6 } });
    const token = (await call('DescribeRuleGroup', byName)).body.UpdateToken;
    // 3 sources × 2 protocols = 6 units: fits exactly.
    const six = { Priority: 1, RuleDefinition: { MatchAttributes: { Sources: ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24'].map((c) => ({ AddressDefinition: c })), Protocols: [6, 17] }, Actions: ['aws:drop'] } };
    const fits = await call('UpdateRuleGroup', { ...byName, UpdateToken: token, RuleGroup: bodyWith(six as ReturnType<typeof ruleOf>) });
    expect(fits.body.RuleGroupResponse).toMatchObject({ ConsumedCapacity: 6, Capacity: 6 });
    const over = await call('UpdateRuleGroup', { ...byName, UpdateToken: fits.body.UpdateToken, RuleGroup: bodyWith(six as ReturnType<typeof ruleOf>, ruleOf(2, ['10.9.0.0/16'])) });
    expect(over).toMatchObject({ status: 400, body: { __type: 'InvalidRequestException' } });
    expect(over.body.Message).toMatch(/^StatelessRules capacity exceeded/);
  });

  it('refuses duplicate priorities, priorities outside 1-65535, bad addresses and rules without one standard action', async () => {
    start();
    const token = (await call('DescribeRuleGroup', byName)).body.UpdateToken;
    const refused = async (...rules: ReturnType<typeof ruleOf>[]) => (await call('UpdateRuleGroup', { ...byName, UpdateToken: token, RuleGroup: bodyWith(...rules) })).body;
    expect(await refused(ruleOf(5, ['10.0.0.0/8']), ruleOf(5, ['10.1.0.0/16']))).toMatchObject({ __type: 'InvalidRequestException', Message: expect.stringMatching(/used twice/) });
    expect(await refused(ruleOf(0, ['10.0.0.0/8']))).toMatchObject({ __type: 'InvalidRequestException', Message: expect.stringMatching(/1 to 65535/) });
    expect(await refused(ruleOf(65_536, ['10.0.0.0/8']))).toMatchObject({ __type: 'InvalidRequestException' });
    expect(await refused(ruleOf(1, ['10.0.0.300/32']))).toMatchObject({ Message: expect.stringMatching(/not an IPv4 or IPv6 CIDR/) });
    expect(await refused(ruleOf(1, ['10.0.0.0/8'], ['aws:drop', 'aws:pass']))).toMatchObject({ Message: expect.stringMatching(/exactly one of/) });
    expect(await refused(ruleOf(1, ['10.0.0.0/8'], ['aws:drop', 'NoSuchCustomAction']))).toMatchObject({ Message: expect.stringMatching(/neither standard nor a custom action/) });
    expect(sim.controls.writeCalls()).toBe(6);
  });
});

describe('ListRuleGroups and DescribeFirewallPolicy', () => {
  it('pages rule groups with NextToken and MaxResults', async () => {
    start();
    const first = await call('ListRuleGroups', { MaxResults: 3 });
    expect((first.body.RuleGroups as unknown[]).length).toBe(3);
    expect(first.body.NextToken).toBeTruthy();
    const rest = await call('ListRuleGroups', { MaxResults: 3, NextToken: first.body.NextToken });
    expect((rest.body.RuleGroups as { Name: string }[]).map((g) => g.Name)).toEqual(['portcullis-ips']);
    expect(rest.body.NextToken).toBeUndefined();
    expect((await call('ListRuleGroups', { Type: 'STATEFUL' })).body.RuleGroups).toEqual([
      { Name: 'portcullis-ips', Arn: 'arn:aws:network-firewall:us-east-1:123456789012:stateful-rulegroup/portcullis-ips' },
    ]);
    expect(await call('ListRuleGroups', { MaxResults: 101 })).toMatchObject({ status: 400, body: { __type: 'InvalidRequestException' } });
  });

  it('lists the policy’s stateless references with their priorities', async () => {
    start();
    const { body } = await call('DescribeFirewallPolicy', { FirewallPolicyName: 'edge-policy' });
    expect(body.FirewallPolicy).toMatchObject({
      StatelessRuleGroupReferences: [
        { ResourceArn: expect.stringMatching(/stateless-rulegroup\/team-blocks$/), Priority: 10 },
        { ResourceArn: expect.stringMatching(/stateless-rulegroup\/portcullis-blocks$/), Priority: 20 },
      ],
      StatelessDefaultActions: ['aws:forward_to_sfe'],
    });
  });
});

describe('protocol edges', () => {
  it('unsigned requests, unknown operations and bad JSON answer the protocol’s errors', async () => {
    start();
    expect(await call('DescribeRuleGroup', byName, {})).toMatchObject({ status: 403, body: { __type: 'MissingAuthenticationTokenException' } });
    expect(await call('DeleteEverything', {})).toMatchObject({ status: 400, body: { __type: 'UnknownOperationException' } });
    const bad = await sim.fetch(new Request(`${ORIGIN}/`, { method: 'POST', headers: { 'x-amz-target': `${TARGET_PREFIX}DescribeRuleGroup`, authorization: 'x' }, body: '{' }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ __type: 'SerializationException' });
    expect(await call('ListRuleGroups', { NextToken: '%%%' })).toMatchObject({ status: 400, body: { __type: 'InvalidRequestException' } });
  });

  it('with writeRateLimits, writes beyond the bucket are throttled until it refills (fake clock)', async () => {
    start({ writeRateLimits: true, quotas: { writeBurst: 2, writesPerSecond: 1 } });
    const tags = { ResourceArn: `arn:aws:network-firewall:us-east-1:123456789012:stateless-rulegroup/${NFW_SIM_RULE_GROUP}`, Tags: [{ Key: 'k', Value: 'v' }] };
    expect((await call('TagResource', tags)).status).toBe(200);
    expect((await call('TagResource', tags)).status).toBe(200);
    expect(await call('TagResource', tags)).toMatchObject({ status: 400, body: { __type: 'ThrottlingException' } });
    // Reads are not limited.
    expect((await call('DescribeRuleGroup', byName)).status).toBe(200);
    clock.advance(1000);
    expect((await call('TagResource', tags)).status).toBe(200);
    expect(sim.controls.throttledCalls()).toBe(1);
  });
});

describe('through the real SDK', () => {
  let server: ReturnType<typeof setupServer> | undefined;
  afterEach(() => server?.close());

  it('the SDK parses the simulator’s answers and errors into its own types', async () => {
    start();
    server = setupServer(...mswHandlers(sim));
    server.listen({ onUnhandledFrame: 'error' });
    const client = new NetworkFirewallClient({ region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' } });
    const described = await client.send(new DescribeRuleGroupCommand({ RuleGroupName: NFW_SIM_RULE_GROUP, Type: 'STATELESS' }));
    expect(described.RuleGroupResponse?.LastModifiedTime).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(described.RuleGroup?.RulesSource?.StatelessRulesAndCustomActions?.StatelessRules?.[0]?.Priority).toBe(10);
    await expect(client.send(new UpdateRuleGroupCommand({ RuleGroupName: NFW_SIM_RULE_GROUP, Type: 'STATELESS', UpdateToken: 'stale', RuleGroup: described.RuleGroup }))).rejects.toBeInstanceOf(
      InvalidTokenException,
    );
    sim.controls.throttleNext(1);
    await expect(
      client.send(new UpdateRuleGroupCommand({ RuleGroupName: NFW_SIM_RULE_GROUP, Type: 'STATELESS', UpdateToken: described.UpdateToken, RuleGroup: described.RuleGroup })),
    ).rejects.toBeInstanceOf(ThrottlingException);
  });
});

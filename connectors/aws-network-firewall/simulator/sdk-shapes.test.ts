import {
  DescribeFirewallPolicyResponse$,
  DescribeRuleGroupResponse$,
  ListRuleGroupsResponse$,
  ListTagsForResourceResponse$,
  UpdateRuleGroupResponse$,
} from '@aws-sdk/client-network-firewall';
import { describe, expect, it } from 'vitest';
import { createNfwSimulator, TARGET_PREFIX } from './index.ts';
import { NFW_SIM_RULE_GROUP } from './seed.ts';

/**
 * The simulator's answers against the service model itself, as the SDK ships it (its schema tuples:
 * [3, namespace, name, traits, member names, member schemas, required count] for a structure, [1, …,
 * member] for a list, [2, …, key, value] for a map; 64 | 0 is a list of strings). Every key the simulator
 * sends must be a member of the documented shape, and every required member must be there: a field the
 * SDK would silently drop, or miss, fails here.
 */
type Schema = unknown;

function problems(schema: Schema, value: unknown, path: string): string[] {
  const resolved = typeof schema === 'function' ? (schema as () => Schema)() : schema;
  if (!Array.isArray(resolved)) return [];
  const [kind] = resolved as [number];
  if (kind === 3) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: expected a structure`];
    const names = resolved[4] as string[];
    const members = resolved[5] as Schema[];
    const required = typeof resolved[6] === 'number' ? resolved[6] : 0;
    const out: string[] = [];
    for (const name of names.slice(0, required)) if (!(name in value)) out.push(`${path}.${name}: required member missing`);
    for (const [key, child] of Object.entries(value)) {
      const at = names.indexOf(key);
      if (at < 0) out.push(`${path}.${key}: not a member of ${String(resolved[2])}`);
      else out.push(...problems(members[at], child, `${path}.${key}`));
    }
    return out;
  }
  if (kind === 1) return Array.isArray(value) ? value.flatMap((item, i) => problems(resolved[4], item, `${path}[${i}]`)) : [`${path}: expected a list`];
  if (kind === 2) {
    return typeof value === 'object' && value !== null ? Object.entries(value).flatMap(([k, v]) => problems(resolved[5], v, `${path}.${k}`)) : [`${path}: expected a map`];
  }
  return [];
}

const sim = createNfwSimulator();
async function call(operation: string, input: unknown) {
  const response = await sim.fetch(
    new Request('https://network-firewall.us-east-1.amazonaws.com/', {
      method: 'POST',
      headers: { 'x-amz-target': `${TARGET_PREFIX}${operation}`, authorization: 'AWS4-HMAC-SHA256 x' },
      body: JSON.stringify(input),
    }),
  );
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe('answers match the SDK’s service model', () => {
  it('DescribeRuleGroup, UpdateRuleGroup, ListRuleGroups, DescribeFirewallPolicy, ListTagsForResource', async () => {
    const byName = { RuleGroupName: NFW_SIM_RULE_GROUP, Type: 'STATELESS' };
    const described = await call('DescribeRuleGroup', byName);
    expect(problems(DescribeRuleGroupResponse$, described, 'DescribeRuleGroup')).toEqual([]);
    const updated = await call('UpdateRuleGroup', { ...byName, UpdateToken: described.UpdateToken, RuleGroup: described.RuleGroup });
    expect(problems(UpdateRuleGroupResponse$, updated, 'UpdateRuleGroup')).toEqual([]);
    expect(problems(ListRuleGroupsResponse$, await call('ListRuleGroups', { MaxResults: 2 }), 'ListRuleGroups')).toEqual([]);
    expect(problems(DescribeFirewallPolicyResponse$, await call('DescribeFirewallPolicy', { FirewallPolicyName: 'edge-policy' }), 'DescribeFirewallPolicy')).toEqual([]);
    const arn = (described.RuleGroupResponse as { RuleGroupArn: string }).RuleGroupArn;
    expect(problems(ListTagsForResourceResponse$, await call('ListTagsForResource', { ResourceArn: arn }), 'ListTagsForResource')).toEqual([]);
  });

  it('the checker itself catches an unknown member and a missing required one', () => {
    expect(problems(DescribeRuleGroupResponse$, { UpdateToken: 't', RuleGroupResponse: { RuleGroupArn: 'a', RuleGroupName: 'n', RuleGroupId: 'i', Bogus: 1 } }, 'x')).toEqual([
      'x.RuleGroupResponse.Bogus: not a member of RuleGroupResponse',
    ]);
    expect(problems(DescribeRuleGroupResponse$, { RuleGroupResponse: { RuleGroupArn: 'a', RuleGroupName: 'n', RuleGroupId: 'i' } }, 'x')).toEqual(['x.UpdateToken: required member missing']);
  });
});

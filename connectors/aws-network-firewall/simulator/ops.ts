import { faults } from './faults.ts';
import { consumedCapacity, type NfwState, type SimFirewallPolicy, type SimRuleGroup, statelessRules, tokenOf, type WireRuleGroupBody, type WireTag } from './state.ts';
import { checkStatelessBody } from './validate.ts';

export type Input = Record<string, unknown>;
export interface OpContext {
  state: NfwState;
  now: number;
}
export type OpHandler = (input: Input, ctx: OpContext) => Record<string, unknown>;

const str = (input: Input, key: string): string | undefined => (typeof input[key] === 'string' ? (input[key] as string) : undefined);
/** Timestamps travel as epoch seconds in the JSON 1.0 protocol. */
const epoch = (ms: number) => ms / 1000;

/** RuleGroupArn, or RuleGroupName with Type (the API requires Type when no ARN is given). */
export function findRuleGroup(input: Input, state: NfwState): SimRuleGroup {
  const arn = str(input, 'RuleGroupArn');
  const name = str(input, 'RuleGroupName');
  const type = str(input, 'Type');
  if (arn) {
    const group = state.ruleGroups.get(arn);
    if (!group || (name && group.name !== name)) throw faults.notFound(`RuleGroup ${arn}`);
    return group;
  }
  if (!name) throw faults.invalid('you must specify the ARN or the name of the rule group');
  if (type !== 'STATELESS' && type !== 'STATEFUL') throw faults.invalid('Type (STATELESS or STATEFUL) is required when the request names the rule group without its ARN');
  const group = [...state.ruleGroups.values()].find((g) => g.name === name && g.type === type);
  if (!group) throw faults.notFound(`RuleGroup ${name} of type ${type}`);
  return group;
}

function findPolicy(input: Input, state: NfwState): SimFirewallPolicy {
  const arn = str(input, 'FirewallPolicyArn');
  const name = str(input, 'FirewallPolicyName');
  const policy = arn ? state.policies.get(arn) : [...state.policies.values()].find((p) => p.name === name);
  if (!arn && !name) throw faults.invalid('you must specify the ARN or the name of the firewall policy');
  if (!policy) throw faults.notFound(`FirewallPolicy ${arn ?? name}`);
  return policy;
}

export function ruleGroupResponse(group: SimRuleGroup): Record<string, unknown> {
  return {
    RuleGroupArn: group.arn,
    RuleGroupName: group.name,
    RuleGroupId: group.id,
    ...(group.description !== undefined ? { Description: group.description } : {}),
    Type: group.type,
    Capacity: group.capacity,
    RuleGroupStatus: group.status,
    Tags: group.tags.map((t) => ({ ...t })),
    ConsumedCapacity: consumedCapacity(group),
    NumberOfAssociations: group.associations,
    LastModifiedTime: epoch(group.lastModified),
  };
}

const describeRuleGroup: OpHandler = (input, { state }) => {
  const group = findRuleGroup(input, state);
  return { UpdateToken: tokenOf(group), RuleGroup: structuredClone(group.body), RuleGroupResponse: ruleGroupResponse(group) };
};

/** Replaces the group's rules (optimistic locking on UpdateToken), within its fixed capacity. DryRun checks only. */
const updateRuleGroup: OpHandler = (input, { state, now }) => {
  const group = findRuleGroup(input, state);
  const token = str(input, 'UpdateToken');
  if (!token) throw faults.invalid('UpdateToken is required');
  if (token !== tokenOf(group)) throw faults.staleToken();
  const body = input.RuleGroup as WireRuleGroupBody | undefined;
  if ((body === undefined) === (input.Rules === undefined)) throw faults.invalid('you must provide either RuleGroup or Rules, but not both');
  if (group.status !== 'ACTIVE') throw faults.invalid(`rule group ${group.name} is ${group.status}`);
  if (group.type !== 'STATELESS') throw faults.invalid('this simulator updates stateless rule groups only');
  if (body === undefined) throw faults.invalid('Rules (Suricata strings) apply to stateful rule groups only');
  checkStatelessBody(body);
  const consumed = consumedCapacity({ type: group.type, body });
  if (consumed > group.capacity) throw faults.capacity('StatelessRules', consumed, group.capacity);
  if (input.DryRun === true) return { UpdateToken: token, RuleGroupResponse: ruleGroupResponse(group) };
  group.body = structuredClone(body);
  if (typeof input.Description === 'string') group.description = input.Description;
  group.version++;
  group.lastModified = now;
  return { UpdateToken: tokenOf(group), RuleGroupResponse: ruleGroupResponse(group) };
};

const listRuleGroups: OpHandler = (input, { state }) => {
  const max = typeof input.MaxResults === 'number' ? input.MaxResults : 100;
  if (!Number.isInteger(max) || max < 1 || max > 100) throw faults.invalid('MaxResults must be from 1 to 100');
  // This account has no managed (AWS or partner) rule groups; Scope MANAGED lists none.
  const all = str(input, 'Scope') === 'MANAGED' ? [] : [...state.ruleGroups.values()].filter((g) => !input.Type || g.type === input.Type);
  let start = 0;
  try {
    start = input.NextToken ? Number.parseInt(atob(String(input.NextToken)), 10) : 0;
  } catch {
    start = Number.NaN;
  }
  if (!Number.isInteger(start) || start < 0 || start > all.length) throw faults.invalid('NextToken is not valid');
  const page = all.slice(start, start + max);
  const next = start + max < all.length ? btoa(String(start + max)) : undefined;
  return { RuleGroups: page.map((g) => ({ Name: g.name, Arn: g.arn })), ...(next ? { NextToken: next } : {}) };
};

const describeFirewallPolicy: OpHandler = (input, { state }) => {
  const policy = findPolicy(input, state);
  const consumedStateless = policy.statelessGroupArns.reduce((n, r) => n + (state.ruleGroups.get(r.ResourceArn)?.capacity ?? 0), 0);
  return {
    UpdateToken: tokenOf(policy),
    FirewallPolicyResponse: {
      FirewallPolicyName: policy.name,
      FirewallPolicyArn: policy.arn,
      FirewallPolicyId: policy.id,
      FirewallPolicyStatus: 'ACTIVE',
      Tags: policy.tags,
      // The policy reserves each referenced group's whole capacity (developer guide, rule group capacity).
      ConsumedStatelessRuleCapacity: consumedStateless,
      ConsumedStatefulRuleCapacity: policy.statefulGroupArns.reduce((n, r) => n + (state.ruleGroups.get(r.ResourceArn)?.capacity ?? 0), 0),
      NumberOfAssociations: 1,
      LastModifiedTime: epoch(policy.lastModified),
    },
    FirewallPolicy: {
      StatelessRuleGroupReferences: policy.statelessGroupArns.map((r) => ({ ...r })),
      StatelessDefaultActions: ['aws:forward_to_sfe'],
      StatelessFragmentDefaultActions: ['aws:forward_to_sfe'],
      StatefulRuleGroupReferences: policy.statefulGroupArns.map((r) => ({ ...r })),
    },
  };
};

function taggable(input: Input, state: NfwState): { tags: WireTag[]; version: number; id: string } {
  const arn = str(input, 'ResourceArn');
  if (!arn) throw faults.invalid('ResourceArn is required');
  const resource = state.ruleGroups.get(arn) ?? state.policies.get(arn);
  if (!resource) throw faults.notFound(`Resource ${arn}`);
  return resource;
}

const listTagsForResource: OpHandler = (input, { state }) => ({ Tags: taggable(input, state).tags.map((t) => ({ ...t })) });

const tagResource: OpHandler = (input, { state }) => {
  const resource = taggable(input, state);
  const tags = Array.isArray(input.Tags) ? (input.Tags as WireTag[]) : [];
  if (tags.length === 0) throw faults.invalid('Tags must hold at least one tag');
  for (const tag of tags) {
    resource.tags = [...resource.tags.filter((t) => t.Key !== tag.Key), { Key: tag.Key, Value: tag.Value }];
  }
  // "You can add up to 50 tags to each resource" (TagResource, API reference).
  if (resource.tags.length > 50) throw faults.limitExceeded('Tags per resource (50)');
  return {};
};

const untagResource: OpHandler = (input, { state }) => {
  const resource = taggable(input, state);
  const keys = new Set(Array.isArray(input.TagKeys) ? (input.TagKeys as string[]) : []);
  resource.tags = resource.tags.filter((t) => !keys.has(t.Key));
  return {};
};

export const handlers: Record<string, OpHandler> = {
  DescribeRuleGroup: describeRuleGroup,
  UpdateRuleGroup: updateRuleGroup,
  ListRuleGroups: listRuleGroups,
  DescribeFirewallPolicy: describeFirewallPolicy,
  ListTagsForResource: listTagsForResource,
  TagResource: tagResource,
  UntagResource: untagResource,
};

/** Calls that change state: counted as writes and subject to the write-rate limit. */
export const MUTATING = new Set(['UpdateRuleGroup', 'TagResource', 'UntagResource']);

export { statelessRules };

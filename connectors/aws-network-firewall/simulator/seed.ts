import type { NfwState, SimFirewallPolicy, SimRuleGroup, WireStatelessRule } from './state.ts';

/**
 * The simulator's starting account (sandbox and tests): the rule group portcullis owns, one a team owns
 * (no ownership tag), an owned group no policy references, an owned stateful group, and the firewall
 * policy that references the first two.
 */
export const NFW_SIM_ACCOUNT = '123456789012';
export const NFW_SIM_REGION = 'us-east-1';
export const NFW_SIM_RULE_GROUP = 'portcullis-blocks';
export const NFW_SIM_FOREIGN_GROUP = 'team-blocks';
export const NFW_SIM_UNREFERENCED_GROUP = 'portcullis-spare';
export const NFW_SIM_STATEFUL_GROUP = 'portcullis-ips';
export const NFW_SIM_POLICY = 'edge-policy';
/** Capacity units of the owned group in the seed (a stateless group may have up to 30,000). */
export const NFW_SIM_CAPACITY = 2_000;
/** The seed's foreign rule in the owned group: SSH from the admin range, passed (1 capacity unit). */
export const NFW_SIM_FOREIGN_RULE: WireStatelessRule = {
  Priority: 10,
  RuleDefinition: {
    MatchAttributes: { Sources: [{ AddressDefinition: '10.0.0.0/8' }], Protocols: [6], DestinationPorts: [{ FromPort: 22, ToPort: 22 }] },
    Actions: ['aws:pass'],
  },
};

export const ruleGroupArn = (state: Pick<NfwState, 'account' | 'region'>, type: SimRuleGroup['type'], name: string) =>
  `arn:aws:network-firewall:${state.region}:${state.account}:${type === 'STATELESS' ? 'stateless' : 'stateful'}-rulegroup/${name}`;
export const policyArn = (state: Pick<NfwState, 'account' | 'region'>, name: string) =>
  `arn:aws:network-firewall:${state.region}:${state.account}:firewall-policy/${name}`;

const uuid = (n: number) => `0f1e2d3c-${n.toString(16).padStart(4, '0')}-4b5a-8c7d-6e5f4a3b2c1d`;
const OWNED_TAG = { Key: 'portcullis', Value: 'owned' };

export function seedState(options: { capacity?: number; now?: number } = {}): NfwState {
  const now = options.now ?? Date.parse('2026-01-01T00:00:00Z');
  const where = { account: NFW_SIM_ACCOUNT, region: NFW_SIM_REGION };
  const group = (n: number, name: string, type: SimRuleGroup['type'], capacity: number, tags: SimRuleGroup['tags'], rules: WireStatelessRule[] = []): SimRuleGroup => ({
    name,
    arn: ruleGroupArn(where, type, name),
    id: uuid(n),
    type,
    capacity,
    description: `${name} (seed)`,
    status: 'ACTIVE',
    tags,
    body:
      type === 'STATELESS'
        ? { RulesSource: { StatelessRulesAndCustomActions: { StatelessRules: rules.map((r) => structuredClone(r)), CustomActions: [] } } }
        : { RulesSource: { StatefulRules: [] } },
    version: 1,
    lastModified: now,
    associations: 0,
  });
  const groups = [
    group(1, NFW_SIM_RULE_GROUP, 'STATELESS', options.capacity ?? NFW_SIM_CAPACITY, [OWNED_TAG], [NFW_SIM_FOREIGN_RULE]),
    group(2, NFW_SIM_FOREIGN_GROUP, 'STATELESS', 100, [{ Key: 'team', Value: 'netsec' }]),
    group(3, NFW_SIM_UNREFERENCED_GROUP, 'STATELESS', 100, [OWNED_TAG]),
    group(4, NFW_SIM_STATEFUL_GROUP, 'STATEFUL', 100, [OWNED_TAG]),
  ];
  const policy: SimFirewallPolicy = {
    name: NFW_SIM_POLICY,
    arn: policyArn(where, NFW_SIM_POLICY),
    id: uuid(9),
    statelessGroupArns: [
      { ResourceArn: ruleGroupArn(where, 'STATELESS', NFW_SIM_FOREIGN_GROUP), Priority: 10 },
      { ResourceArn: ruleGroupArn(where, 'STATELESS', NFW_SIM_RULE_GROUP), Priority: 20 },
    ],
    statefulGroupArns: [{ ResourceArn: ruleGroupArn(where, 'STATEFUL', NFW_SIM_STATEFUL_GROUP) }],
    version: 1,
    lastModified: now,
    tags: [],
  };
  for (const g of groups) g.associations = policy.statelessGroupArns.some((r) => r.ResourceArn === g.arn) || policy.statefulGroupArns.some((r) => r.ResourceArn === g.arn) ? 1 : 0;
  return { ...where, ruleGroups: new Map(groups.map((g) => [g.arn, g])), policies: new Map([[policy.arn, policy]]) };
}

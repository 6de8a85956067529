/** Wire shapes the simulator stores (the API reference's JSON, as the SDK serializes it). */
export interface WireAddress {
  AddressDefinition: string;
}
export interface WirePortRange {
  FromPort: number;
  ToPort: number;
}
export interface WireMatchAttributes {
  Sources?: WireAddress[];
  Destinations?: WireAddress[];
  SourcePorts?: WirePortRange[];
  DestinationPorts?: WirePortRange[];
  Protocols?: number[];
  TCPFlags?: { Flags: string[]; Masks?: string[] }[];
}
export interface WireStatelessRule {
  Priority: number;
  RuleDefinition: { MatchAttributes: WireMatchAttributes; Actions: string[] };
}
export interface WireRuleGroupBody {
  RuleVariables?: unknown;
  ReferenceSets?: unknown;
  StatefulRuleOptions?: unknown;
  RulesSource: {
    StatelessRulesAndCustomActions?: { StatelessRules: WireStatelessRule[]; CustomActions?: unknown[] };
    StatefulRules?: unknown[];
    RulesString?: string;
    RulesSourceList?: unknown;
  };
}
export interface WireTag {
  Key: string;
  Value: string;
}

export interface SimRuleGroup {
  name: string;
  arn: string;
  id: string;
  type: 'STATELESS' | 'STATEFUL';
  capacity: number;
  description?: string;
  status: 'ACTIVE' | 'DELETING';
  tags: WireTag[];
  body: WireRuleGroupBody;
  /** Bumped on every change; the update token is derived from it. */
  version: number;
  lastModified: number;
  associations: number;
}

export interface SimFirewallPolicy {
  name: string;
  arn: string;
  id: string;
  statelessGroupArns: { ResourceArn: string; Priority: number }[];
  statefulGroupArns: { ResourceArn: string }[];
  version: number;
  lastModified: number;
  tags: WireTag[];
}

export interface NfwState {
  account: string;
  region: string;
  ruleGroups: Map<string, SimRuleGroup>;
  policies: Map<string, SimFirewallPolicy>;
}

/** The update token for a resource version: a UUID-shaped string that changes on every update. */
export function tokenOf(resource: { id: string; version: number }): string {
  return `${resource.id.slice(0, 8)}-${resource.version.toString(16).padStart(4, '0')}-4000-8000-${resource.id.slice(-12)}`;
}

export const statelessRules = (group: SimRuleGroup): WireStatelessRule[] => group.body.RulesSource.StatelessRulesAndCustomActions?.StatelessRules ?? [];

/** Capacity units a stateless rule group's rules use (developer guide, "Setting rule group capacity"). */
export function consumedCapacity(group: Pick<SimRuleGroup, 'type' | 'body'>): number {
  if (group.type === 'STATEFUL') return group.body.RulesSource.StatefulRules?.length ?? 0;
  const rules = group.body.RulesSource.StatelessRulesAndCustomActions?.StatelessRules ?? [];
  return rules.reduce((sum, rule) => {
    const m = rule.RuleDefinition.MatchAttributes;
    const settings = [m.Sources, m.Destinations, m.SourcePorts, m.DestinationPorts, m.Protocols, m.TCPFlags];
    // A match setting with no criteria counts 1; otherwise the number of its elements. The rule is the product.
    return sum + settings.reduce<number>((product, s) => product * Math.max(1, s?.length ?? 0), 1);
  }, 0);
}

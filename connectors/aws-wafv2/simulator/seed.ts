import { arnOf, emptyState, nextUuid, type Scope, type WafState } from './state.ts';

/** The sandbox account, and the web ACLs an operator would have made (the connector never creates one). */
export const WAF_SIM_ACCOUNT = '123456789012';
export const WAF_SIM_REGION = 'us-east-1';
export const WAF_SIM_WEB_ACL = 'edge-web-acl';
export const WAF_SIM_CDN_WEB_ACL = 'cdn-web-acl';

/** A web ACL with one managed rule group in it, which the connector must keep as it is on every update. */
export function addWebAcl(state: WafState, scope: Scope, name: string): string {
  const id = nextUuid(state);
  state.webAcls[scope].set(id, {
    Name: name,
    Id: id,
    ARN: arnOf(state, scope, 'webacl', name, id),
    Description: 'made by the operator',
    LockToken: nextUuid(state),
    DefaultAction: { Allow: {} },
    VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: name },
    Rules: [
      {
        Name: 'AWS-AWSManagedRulesCommonRuleSet',
        Priority: 10,
        Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } },
        OverrideAction: { None: {} },
        VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: 'common' },
      },
    ],
    Capacity: 700,
    ManagedByFirewallManager: false,
    LabelNamespace: `awswaf:${state.accountId}:webacl:${name}:`,
    extra: {},
  });
  return id;
}

export function seedState(region = WAF_SIM_REGION): WafState {
  const state = emptyState(WAF_SIM_ACCOUNT, region);
  addWebAcl(state, 'REGIONAL', WAF_SIM_WEB_ACL);
  addWebAcl(state, 'CLOUDFRONT', WAF_SIM_CDN_WEB_ACL);
  return state;
}

import type { NormalizedRule } from '../../../src/connectors/types.ts';
import { familyOf } from '../../../src/net/cidr.ts';
import { arnOf, nextUuid, referencedArns, type Scope, type StoredWebAcl, type WafState, type WafStatement } from './state.ts';

/** The web ACL named `name` in either scope (the harness names web ACLs, as the operator's config does). */
export function webAclNamed(state: WafState, name: string): { scope: Scope; acl: StoredWebAcl } {
  for (const scope of ['REGIONAL', 'CLOUDFRONT'] as const) {
    const acl = [...state.webAcls[scope].values()].find((a) => a.Name === name);
    if (acl) return { scope, acl };
  }
  throw new Error(`the WAF simulator has no web ACL "${name}"`);
}

/**
 * What a person does in the console: an IP set of their own and a rule in the web ACL that blocks
 * (or allows) it at `rule.priority`. Neither carries the service's marker.
 */
export function addForeignRule(state: WafState, webAcl: string, rule: NormalizedRule): void {
  const { scope, acl } = webAclNamed(state, webAcl);
  const id = nextUuid(state);
  const name = `console-${rule.action}-${state.sequence}`;
  const arn = arnOf(state, scope, 'ipset', name, id);
  state.ipSets[scope].set(id, {
    Name: name,
    Id: id,
    ARN: arn,
    Description: 'added by hand',
    IPAddressVersion: familyOf(rule.cidrs[0] ?? '0.0.0.0/32') === 'ipv6' ? 'IPV6' : 'IPV4',
    Addresses: [...rule.cidrs],
    LockToken: nextUuid(state),
  });
  acl.Rules.push({
    Name: name,
    Priority: rule.priority,
    Statement: { IPSetReferenceStatement: { ARN: arn } },
    Action: rule.action === 'deny' ? { Block: {} } : { Allow: {} },
    VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: false, MetricName: name },
  });
  acl.Capacity += 1;
  acl.LockToken = nextUuid(state);
}

/** Drops every reference to `arn` from a statement; undefined when nothing is left of it. */
function without(statement: WafStatement, arn: string): WafStatement | undefined {
  if (statement.IPSetReferenceStatement) return statement.IPSetReferenceStatement.ARN === arn ? undefined : statement;
  if (statement.OrStatement) {
    const left = statement.OrStatement.Statements.map((s) => without(s, arn)).filter((s): s is WafStatement => s !== undefined);
    return left.length === 0 ? undefined : left.length === 1 ? left[0] : { OrStatement: { Statements: left } };
  }
  return statement;
}

/**
 * Someone deletes an IP set by hand (drift): as WAF requires, they first take it out of every web ACL
 * rule that references it (a rule left with nothing to match is removed), then delete the set.
 * `cloudId` is the IP set's ARN, as the connector reports it.
 */
export function deleteOutOfBand(state: WafState, webAcl: string, cloudId: string): void {
  const { scope } = webAclNamed(state, webAcl);
  for (const acl of state.webAcls[scope].values()) {
    if (!acl.Rules.some((r) => referencedArns(r.Statement).includes(cloudId))) continue;
    acl.Rules = acl.Rules.flatMap((r) => {
      const statement = without(r.Statement, cloudId);
      return statement ? [{ ...r, Statement: statement }] : [];
    });
    acl.LockToken = nextUuid(state);
  }
  const set = [...state.ipSets[scope].values()].find((s) => s.ARN === cloudId);
  if (!set) throw new Error(`the WAF simulator has no IP set ${cloudId}`);
  state.ipSets[scope].delete(set.Id);
  state.tags.delete(set.ARN);
}

/** Someone edits an IP set by hand between the connector's read and write (its LockToken changes). */
export function touchIpSet(state: WafState, arn: string): void {
  for (const scope of ['REGIONAL', 'CLOUDFRONT'] as const) {
    for (const set of state.ipSets[scope].values()) if (set.ARN === arn) set.LockToken = nextUuid(state);
  }
}

import {
  GetWebACLCommand,
  ListWebACLsCommand,
  type Rule,
  type Statement,
  UpdateWebACLCommand,
  type WebACL,
  type WebACLSummary,
} from '@aws-sdk/client-wafv2';
import { ConnectorError } from '../../src/connectors/types.ts';
import type { CallRecord, CallResult, WafCalls } from './calls.ts';
import type { WafTarget } from './config.ts';
import { blockRuleName } from './names.ts';

/** The operator's web ACL, as resolved from its name (ids are stable: resolved once per connector). */
export interface AclRef {
  scope: WafTarget['scope'];
  name: string;
  id: string;
}

export async function findWebAcl(calls: WafCalls, target: WafTarget, log: CallRecord[]): Promise<WebACLSummary | undefined> {
  let marker: string | undefined;
  do {
    const next = marker;
    const page = await calls.read('ListWebACLs', (c) => c.send(new ListWebACLsCommand({ Scope: target.scope, Limit: 100, ...(next ? { NextMarker: next } : {}) })), log);
    const found = page.WebACLs?.find((w) => w.Name === target.webAcl);
    if (found) return found;
    marker = page.NextMarker;
  } while (marker);
  return undefined;
}

export function missingWebAcl(target: WafTarget, region: string): ConnectorError {
  return new ConnectorError({
    kind: 'not_found',
    code: 'WebACLNotFound',
    message: `web ACL "${target.webAcl}" does not exist in scope ${target.scope} (${region}); portcullis never creates one: create it, or correct targets[${target.id}].webAcl`,
    retryable: false,
  });
}

/** Every IP set ARN a statement references (top level, or inside Or/And/Not). */
export function referencedArns(statement: Statement | undefined): string[] {
  if (!statement) return [];
  const own = statement.IPSetReferenceStatement?.ARN ? [statement.IPSetReferenceStatement.ARN] : [];
  const nested = [
    ...(statement.OrStatement?.Statements ?? []),
    ...(statement.AndStatement?.Statements ?? []),
    ...(statement.NotStatement?.Statement ? [statement.NotStatement.Statement] : []),
  ];
  return [...own, ...nested.flatMap(referencedArns)];
}

/** The IP sets a rule matches when its statement is one reference or an Or of references only; else undefined. */
export function plainIpSetRefs(statement: Statement | undefined): string[] | undefined {
  if (statement?.IPSetReferenceStatement?.ARN && !statement.IPSetReferenceStatement.IPSetForwardedIPConfig) return [statement.IPSetReferenceStatement.ARN];
  const nested = statement?.OrStatement?.Statements;
  if (!nested) return undefined;
  const refs = nested.map((s) => plainIpSetRefs(s));
  return refs.every((r) => r !== undefined) ? refs.flat() : undefined;
}

/** The connector's own rule: block requests from any of its IP sets. */
export function blockRule(marker: string, target: WafTarget, arns: string[], previous?: Rule): Rule {
  const refs: Statement[] = arns.map((ARN) => ({ IPSetReferenceStatement: { ARN } }));
  const name = blockRuleName(marker, target.id);
  return {
    Name: name,
    Priority: target.rulePriority,
    // An OrStatement needs at least two statements; one set is referenced directly.
    Statement: refs.length === 1 ? refs[0] : { OrStatement: { Statements: refs } },
    Action: { Block: {} },
    VisibilityConfig: previous?.VisibilityConfig ?? { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: name },
  };
}

/**
 * Makes the connector's rule in the web ACL reference `arns` (besides what it already references).
 * UpdateWebACL replaces the whole ACL, so each attempt reads it (GetWebACL: rules, settings and
 * LockToken) and sends it back with only this rule changed; a stale LockToken
 * (WAFOptimisticLockException) is retried from the read. No write when every ARN is referenced.
 */
export async function ensureReferenced(
  calls: WafCalls,
  acl: AclRef,
  marker: string,
  target: WafTarget,
  arns: string[],
  log: CallRecord[],
): Promise<CallResult<'unchanged' | 'updated'>> {
  return calls.run(
    'UpdateWebACL',
    async (client) => {
      const got = await client.send(new GetWebACLCommand({ Scope: acl.scope, Name: acl.name, Id: acl.id }));
      const webAcl = got.WebACL as WebACL;
      const name = blockRuleName(marker, target.id);
      const rules = webAcl.Rules ?? [];
      const ours = rules.find((r) => r.Name === name);
      const current = referencedArns(ours?.Statement);
      const missing = arns.filter((a) => !current.includes(a));
      if (missing.length === 0 && ours?.Priority === target.rulePriority) return { value: 'unchanged' as const };
      const rule = blockRule(marker, target, [...current, ...missing], ours);
      await calls.paceWrite('UpdateWebACL');
      const updated = await client.send(
        new UpdateWebACLCommand({
          Name: webAcl.Name,
          Scope: acl.scope,
          Id: webAcl.Id,
          DefaultAction: webAcl.DefaultAction,
          Description: webAcl.Description,
          Rules: ours ? rules.map((r) => (r.Name === name ? rule : r)) : [...rules, rule],
          VisibilityConfig: webAcl.VisibilityConfig,
          LockToken: got.LockToken,
          DataProtectionConfig: webAcl.DataProtectionConfig,
          CustomResponseBodies: webAcl.CustomResponseBodies,
          CaptchaConfig: webAcl.CaptchaConfig,
          ChallengeConfig: webAcl.ChallengeConfig,
          TokenDomains: webAcl.TokenDomains,
          AssociationConfig: webAcl.AssociationConfig,
          OnSourceDDoSProtectionConfig: webAcl.OnSourceDDoSProtectionConfig,
          ApplicationConfig: webAcl.ApplicationConfig,
          MonetizationConfig: webAcl.MonetizationConfig,
        }),
      );
      return { value: 'updated' as const, ...(updated.$metadata.requestId ? { requestId: updated.$metadata.requestId } : {}) };
    },
    log,
  );
}

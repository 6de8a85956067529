import { DescribeFirewallPolicyCommand, UpdateRuleGroupCommand } from '@aws-sdk/client-network-firewall';
import { type CheckResult, ConnectorError } from '../../../src/connectors/types.ts';
import type { NfwTarget } from '../config.ts';
import type { CallRecord, NfwCalls } from './calls.ts';
import { describeRuleGroup, refusalToWrite } from './rule-group.ts';

type Check = CheckResult['checks'][number];
const reason = (error: unknown) => (error instanceof ConnectorError ? `${error.info.code}: ${error.info.message}` : String(error));

/**
 * At start: the rule group exists, is stateless, active and owned (tagged); the firewall policy (when
 * named) references it; and UpdateRuleGroup is allowed, proven with DryRun so nothing is ever changed.
 */
export async function checkTarget(calls: NfwCalls, target: NfwTarget, marker: string): Promise<CheckResult> {
  const checks: Check[] = [];
  const log: CallRecord[] = [];
  let described: Awaited<ReturnType<typeof describeRuleGroup>>;
  try {
    described = await describeRuleGroup(calls, target, log);
    checks.push({ name: 'rule group exists', ok: true, detail: described.RuleGroupResponse?.RuleGroupArn });
  } catch (error) {
    const missing = error instanceof ConnectorError && error.info.kind === 'not_found';
    checks.push({
      name: 'rule group exists',
      ok: false,
      detail: missing ? `no stateless rule group ${target.ruleGroup} in this account and region (${reason(error)}); create it, tagged ${marker}=owned` : reason(error),
    });
    return { ok: false, checks };
  }
  const refusal = refusalToWrite(described, target, marker);
  checks.push({ name: 'rule group is stateless, active and owned', ok: !refusal, ...(refusal ? { detail: refusal.message } : {}) });
  const arn = described.RuleGroupResponse?.RuleGroupArn ?? '';

  if (target.firewallPolicy) {
    const ref = target.firewallPolicy.startsWith('arn:') ? { FirewallPolicyArn: target.firewallPolicy } : { FirewallPolicyName: target.firewallPolicy };
    try {
      const policy = await calls.read('DescribeFirewallPolicy', (c) => c.send(new DescribeFirewallPolicyCommand(ref)), log);
      const referenced = (policy.FirewallPolicy?.StatelessRuleGroupReferences ?? []).some((r) => r.ResourceArn === arn);
      checks.push({
        name: 'firewall policy references the rule group',
        ok: referenced,
        detail: referenced
          ? policy.FirewallPolicyResponse?.FirewallPolicyArn
          : `firewall policy ${target.firewallPolicy} does not reference ${arn} among its stateless rule groups: blocks written there would hold nowhere`,
      });
    } catch (error) {
      checks.push({ name: 'firewall policy references the rule group', ok: false, detail: reason(error) });
    }
  }

  if (!refusal) {
    // DryRun: Network Firewall checks the request (permissions, token, rules) and changes nothing.
    const result = await calls.run(
      'UpdateRuleGroup',
      (c) => c.send(new UpdateRuleGroupCommand({ UpdateToken: described.UpdateToken, RuleGroupArn: arn, Type: 'STATELESS', RuleGroup: described.RuleGroup, DryRun: true })),
      log,
    );
    checks.push({ name: 'may update the rule group (dry run)', ok: result.ok, ...(result.ok ? {} : { detail: `${result.error.code}: ${result.error.message}` }) });
  }
  return { ok: checks.every((c) => c.ok), checks };
}

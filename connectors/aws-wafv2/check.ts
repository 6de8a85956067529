import { GetWebACLCommand, ListTagsForResourceCommand, type WebACL } from '@aws-sdk/client-wafv2';
import { type CheckResult, ConnectorError } from '../../src/connectors/types.ts';
import type { CallRecord, WafCalls } from './calls.ts';
import type { WafTarget } from './config.ts';
import { listIpSets } from './ip-sets.ts';
import { blockRuleName, hasOwnerDescription, ipSetRefOf, parseIpSetName } from './names.ts';
import { findWebAcl, referencedArns } from './web-acl.ts';

interface CheckDeps {
  calls: WafCalls;
  connectorId: string;
  marker: string;
  target: WafTarget;
  region: string;
}

const failure = (error: unknown) => (error instanceof ConnectorError ? `${error.info.code}: ${error.info.message}` : String(error));

/**
 * Read-only checks at start (WAF has no dry run, so nothing here writes): the web ACL exists and is
 * not run by Firewall Manager; the connector's rule in it, if there, blocks and references only sets
 * this connector owns; its priority is free otherwise; every IP set that bears this target's names
 * carries the ownership marker and tags. Anything else is reported and left exactly as it is.
 */
export async function checkTarget(deps: CheckDeps): Promise<CheckResult> {
  const { calls, marker, target } = deps;
  const checks: CheckResult['checks'] = [];
  const log: CallRecord[] = [];
  const add = (name: string, ok: boolean, detail?: string) => checks.push({ name, ok, ...(detail ? { detail } : {}) });
  const where = `scope ${target.scope} (${deps.region})`;

  let webAcl: WebACL | undefined;
  try {
    const summary = await findWebAcl(calls, target, log);
    if (!summary?.Id) {
      add(`web ACL ${target.webAcl} exists (wafv2:ListWebACLs)`, false, `no web ACL named "${target.webAcl}" in ${where}; portcullis never creates one: create it, or correct targets[${target.id}].webAcl`);
      return { ok: false, checks };
    }
    const id = summary.Id;
    webAcl = (await calls.read('GetWebACL', (c) => c.send(new GetWebACLCommand({ Scope: target.scope, Name: target.webAcl, Id: id })), log)).WebACL;
    add(`web ACL ${target.webAcl} exists (wafv2:ListWebACLs, wafv2:GetWebACL)`, true, webAcl?.ARN);
  } catch (error) {
    add(`web ACL ${target.webAcl} can be read (wafv2:ListWebACLs, wafv2:GetWebACL)`, false, failure(error));
    return { ok: false, checks };
  }
  if (webAcl?.ManagedByFirewallManager) {
    add('web ACL is not managed by Firewall Manager', false, `${target.webAcl} is managed by AWS Firewall Manager, which would overwrite the connector's rule; name a web ACL of your own`);
  }

  let sets: Awaited<ReturnType<typeof listIpSets>>;
  try {
    sets = await listIpSets(calls, target.scope, log);
    add(`IP sets can be listed (wafv2:ListIPSets)`, true, `${sets.length} in ${where}`);
  } catch (error) {
    add('IP sets can be listed (wafv2:ListIPSets)', false, failure(error));
    return { ok: false, checks };
  }

  const ruleName = blockRuleName(marker, target.id);
  const rules = webAcl?.Rules ?? [];
  const ours = rules.find((r) => r.Name === ruleName);
  if (ours) {
    const problems: string[] = [];
    if (!ours.Action?.Block) problems.push(`its action is ${Object.keys(ours.Action ?? ours.OverrideAction ?? {}).join('/') || 'none'}, not Block`);
    for (const arn of referencedArns(ours.Statement)) {
      const set = sets.find((s) => s.ARN === arn);
      const name = ipSetRefOf(arn)?.name ?? arn;
      if (!set) problems.push(`it references IP set ${name}, which does not exist`);
      else if (!set.Name || !parseIpSetName(marker, target.id, set.Name) || !hasOwnerDescription(marker, set.Description)) {
        problems.push(`it references IP set ${name}, which is not owned by portcullis (no "${marker} owned" marker, or another target's name)`);
      }
    }
    add(`rule ${ruleName} in ${target.webAcl} blocks and references only owned IP sets`, problems.length === 0, problems.length ? `${problems.join('; ')}: fix or remove the rule; portcullis will not change it until then` : `${referencedArns(ours.Statement).length} IP sets referenced`);
  } else {
    const clash = rules.find((r) => r.Priority === target.rulePriority);
    add(
      `priority ${target.rulePriority} is free in ${target.webAcl} for rule ${ruleName}`,
      !clash,
      clash ? `rule ${clash.Name} already has priority ${target.rulePriority}: choose another targets[${target.id}].rulePriority` : 'the rule is added with the first block',
    );
  }

  for (const set of sets) {
    if (!set.Name || !parseIpSetName(marker, target.id, set.Name)) continue;
    if (!hasOwnerDescription(marker, set.Description)) {
      add(`IP set ${set.Name} is owned`, false, `it has portcullis's name but not its marker ("${marker} owned" in the Description): someone else's set, never changed; rename or remove it`);
      continue;
    }
    try {
      const tags = await calls.read('ListTagsForResource', (c) => c.send(new ListTagsForResourceCommand({ ResourceARN: set.ARN })), log);
      const owner = tags.TagInfoForResource?.TagList?.find((t) => t.Key === `${marker}:owner`)?.Value;
      add(
        `IP set ${set.Name} is owned by connector ${deps.connectorId} (tag ${marker}:owner)`,
        owner === deps.connectorId,
        owner === deps.connectorId ? undefined : `tag ${marker}:owner is ${owner ? `"${owner}"` : 'missing'}: another portcullis connector, or a hand-made copy, uses this name; give each connector its own target ids`,
      );
    } catch (error) {
      add(`IP set ${set.Name} tags can be read (wafv2:ListTagsForResource)`, false, failure(error));
    }
  }
  add('write permissions (wafv2:CreateIPSet, UpdateIPSet, UpdateWebACL)', true, 'not probed: AWS WAF has no dry run; the first write reports a missing permission as AccessDeniedException');
  return { ok: checks.every((c) => c.ok), checks };
}

import type { Connector, NormalizedRule } from '../connectors/types.ts';
import { Refusal } from '../refusal.ts';
import type { ActionInputs } from '../playbooks/inputs.ts';
import { PLACEMENTS } from '../reconcile/desired.ts';
import type { Intent, IntentSpec, RunTargetRef } from './types.ts';

/** What cleanup and adoption plans read first: the one target named, its connector, live rules and intents. */
export interface TargetReading {
  target: RunTargetRef;
  connector: Connector;
  rules: NormalizedRule[];
  intents: Intent[];
}

/** The intent specs that reproduce a rule exactly: one per remote prefix (or its source group), same match. */
export function specsOfRule(rule: NormalizedRule, adopt?: string): IntentSpec[] {
  const base = { direction: rule.direction, protocol: rule.protocol, ports: rule.ports.map((p) => ({ ...p })), ...(adopt ? { adopt } : {}) };
  if (rule.sourceGroup) return [{ ...base, sourceGroup: rule.sourceGroup }];
  return rule.cidrs.map((cidr) => ({ ...base, cidr }));
}

/**
 * adopt-rules: checks every named rule can be taken over (exists, foreign, expressible as intents, and the
 * connector can mark it), then returns the intents that reproduce each one. Refuses the whole run, naming
 * each rule and why, when any cannot be adopted: nothing is half-adopted.
 */
export function adoptionSpecs(reading: TargetReading, inputs: ActionInputs['adopt']): { rule: NormalizedRule; kind: 'allow' | 'deny'; specs: IntentSpec[] }[] {
  const { connector, rules, target } = reading;
  const where = `${target.connector}/${target.target}`;
  if (!connector.adopt || !connector.adoptionProblems) {
    throw new Refusal('not_adoptable', `connector ${connector.id} (${connector.type}) cannot adopt rules`, { expected: 'a connector of type aws-ec2, azure-nsg or gcp-firewall' });
  }
  const placements = PLACEMENTS[connector.type] ?? { deny: 'nsg', allow: 'nsg' };
  const problems: string[] = [];
  const chosen: { rule: NormalizedRule; kind: 'allow' | 'deny'; specs: IntentSpec[] }[] = [];
  const seen = new Set<string>();
  for (const [k, name] of inputs.rules.entries()) {
    const refusals = seen.has(name) ? [`"${name}" is named twice`] : adoptionRefusals(reading, name, placements);
    seen.add(name);
    const rule = rules.find((r) => r.cloudId === name);
    if (refusals.length || !rule) problems.push(...refusals.map((p) => `rules[${k}]: ${p}`));
    else chosen.push({ rule, kind: rule.action, specs: specsOfRule(rule, name) });
  }
  if (problems.length) {
    throw new Refusal('not_adoptable', `${inputs.rules.length - chosen.length} of ${inputs.rules.length} rule(s) cannot be adopted on ${where} (nothing was adopted): ${problems.join('; ')}`, { problems });
  }
  return chosen;
}

function adoptionRefusals({ connector, rules, target }: TargetReading, name: string, placements: { deny: string; allow: string }): string[] {
  const rule = rules.find((r) => r.cloudId === name);
  if (!rule) {
    const foreign = rules.filter((r) => !r.owned && !r.builtIn && r.cloudId).map((r) => r.cloudId);
    return [`${target.connector}/${target.target} has no rule "${name.slice(0, 80)}" (rules not owned there: ${foreign.slice(0, 10).join(', ') || 'none'})`];
  }
  if (rule.builtIn) return [`"${name}" is kept by the cloud itself and cannot be changed by anyone`];
  const refusals = connector.adoptionProblems?.(target.target, rule) ?? [];
  if (rule.placement !== placements[rule.action]) {
    refusals.push(`${rule.action === 'allow' ? 'an' : 'a'} ${rule.action} rule in ${rule.placement} is not where portcullis keeps ${rule.action}s (${placements[rule.action]}), so no intent can reproduce it`);
  }
  if (!rule.cidrs.length && !rule.sourceGroup) refusals.push('it matches no address prefix or source group');
  return refusals;
}

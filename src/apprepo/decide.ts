import { isAbsolute, relative } from 'node:path';
import type { Config } from '../config/schema.ts';
import { canonicalCidr } from '../net/cidr.ts';
import { actionInputs } from '../playbooks/inputs.ts';
import type { Playbook } from '../playbooks/schema.ts';
import { type DeterminingPolicy, type PolicyEngine, type PolicyOutcome, PolicyRequestError } from '../policy/index.ts';
import { type IdentityEntry, describeIdentity, tierOf } from './identities.ts';
import type { AppRule, Finding } from './types.ts';

/** The body of one playbook run, as `portcullis submit` sends it. */
export interface RunRequest {
  playbook: string;
  inputs: { from: string[]; to: string; protocol: AppRule['protocol']; port?: string; reason?: string };
}

/** The decision on one rule of the application's repo, by the same Cedar policies the service runs. */
export interface RuleDecision {
  rule: AppRule;
  decision: PolicyOutcome;
  /** Why: the @reason of the deciding policies, what blocked automatic approval, what no policy approved. */
  reasons: string[];
  policies: DeterminingPolicy[];
  /** The playbook runs that make the rule (one per port range); empty when the rule cannot be stated as runs. */
  runs: { request: RunRequest; decision: PolicyOutcome; policies: string[] }[];
  /** True when every part of the rule became a run: `submit` may send it. */
  complete: boolean;
}

export interface DecideContext {
  engine: PolicyEngine;
  tiers: Config['tiers'];
  identities: readonly IdentityEntry[];
  playbooks: ReadonlyMap<string, Playbook>;
  client: string;
}

const ANYWHERE = ['0.0.0.0/0', '::/0'];

/**
 * Turns a rule into allow/revoke runs and decides each with the policy engine: deny when any run is
 * denied (a forbid matched: nobody can approve it); otherwise needs approval when any part of the rule
 * could not become a run (an unmapped identity, a value unknown until apply, an egress rule, a negation)
 * or a run needs approval; approve only when every run is approved.
 */
export function decideRule(rule: AppRule, ctx: DecideContext): RuleDecision {
  const blockers: Finding[] = [...rule.blockers, ...rule.unknown];
  const playbook = [...ctx.playbooks.values()].find((p) => p.action === rule.action);
  if (!playbook) blockers.push({ message: `no ${rule.action} playbook in the playbooks folder to state this rule as a run` });
  if (rule.direction === 'egress') {
    blockers.push({ message: 'egress: portcullis allow playbooks open ingress into a tier; an egress rule is reviewed by a person' });
  }
  let to: string | undefined;
  if (rule.target) {
    const mapped = tierOf(rule.target, ctx.identities);
    if ('tier' in mapped) to = mapped.tier;
    else blockers.push({ message: mapped.reason });
  }
  const from = new Set<string>();
  if (rule.anywhere) for (const c of ANYWHERE) from.add(c);
  for (const peer of rule.peers) {
    if ('cidr' in peer) from.add(canonicalCidr(peer.cidr, { hostBits: 'mask' }));
    else {
      const mapped = tierOf(peer.identity, ctx.identities);
      if ('tier' in mapped) from.add(mapped.tier);
      else blockers.push({ line: peer.line, message: mapped.reason });
    }
  }
  const runs: RuleDecision['runs'] = [];
  const policies = new Map<string, DeterminingPolicy>();
  const reasons = new Set<string>();
  const perRun: { decision: PolicyOutcome; reasons: string[]; policies: DeterminingPolicy[] }[] = [];
  if (playbook && to !== undefined && from.size && rule.direction === 'ingress') {
    const ranges = rule.protocol === 'tcp' || rule.protocol === 'udp' ? (rule.ports.length ? rule.ports : [undefined]) : [undefined];
    for (const range of ranges) {
      const request: RunRequest = {
        playbook: playbook.name,
        inputs: { from: [...from], to, protocol: rule.protocol, ...(range ? { port: range.from === range.to ? String(range.from) : `${range.from}-${range.to}` } : {}) },
      };
      if (!playbook.inputs || playbook.inputs.includes('reason')) request.inputs.reason = `${rule.at.name} (${displayPath(rule.at.file)}:${rule.at.line})`.slice(0, 500);
      const { reason: _reason, ...decidable } = request.inputs;
      try {
        const d = ctx.engine.decide({
          action: rule.action,
          client: ctx.client,
          playbook: playbook.name,
          inputs: actionInputs.allow.parse(decidable),
          ...(playbook.defaults.ttl !== undefined ? { defaultTtlMs: playbook.defaults.ttl } : {}),
        });
        perRun.push(d);
        runs.push({ request, decision: d.decision, policies: d.policies.map((p) => p.id) });
      } catch (error) {
        if (!(error instanceof PolicyRequestError)) throw error;
        blockers.push({ message: `${error.path}: ${error.message.slice(error.path.length + 2)}` });
      }
    }
  }
  // A rule whose target tier is unknown is still denied when a forbid matches it whatever the tier.
  if (!perRun.length && playbook && to === undefined && from.size && rule.direction === 'ingress' && rule.action === 'allow') {
    const denied = deniedForEveryTier(rule, [...from], playbook, ctx);
    if (denied) perRun.push(denied);
  }
  const worst: PolicyOutcome = perRun.some((d) => d.decision === 'deny')
    ? 'deny'
    : blockers.length || perRun.some((d) => d.decision === 'needs_approval') || !perRun.length
      ? 'needs_approval'
      : 'approve';
  const unmatched: string[] = [];
  for (const d of perRun) {
    if (d.decision !== worst) continue;
    for (const p of d.policies) policies.set(p.id, p);
    for (const r of d.reasons) {
      if (r.startsWith('no auto-approve policy matches')) unmatched.push(r);
      else reasons.add(r);
    }
  }
  // One line per source block is unreadable for an except-list of eight prefixes: keep three, count the rest.
  for (const r of unmatched.slice(0, 3)) reasons.add(r);
  if (unmatched.length > 3) reasons.add(`... and ${unmatched.length - 3} more source blocks no auto-approve policy matches`);
  if (worst !== 'deny') for (const b of blockers) reasons.add(b.line ? `${b.message} (line ${b.line})` : b.message);
  if (worst === 'needs_approval' && !reasons.size) reasons.add('nothing in the rule could be stated as a run');
  return { rule, decision: worst, reasons: [...reasons], policies: [...policies.values()], runs, complete: !blockers.length && runs.length > 0 };
}

/** The file as the repo names it (relative to the working directory, where CI runs) when it lies inside it. */
function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function deniedForEveryTier(rule: AppRule, from: string[], playbook: Playbook, ctx: DecideContext) {
  const tiers = Object.keys(ctx.tiers);
  if (!tiers.length) return undefined;
  const ranges = (rule.protocol === 'tcp' || rule.protocol === 'udp') && rule.ports.length ? rule.ports : [undefined];
  for (const range of ranges) {
    const inputs = { from, protocol: rule.protocol, ...(range ? { port: `${range.from}-${range.to}` } : {}) };
    try {
      const decisions = tiers.map((to) => ctx.engine.decide({ action: 'allow', client: ctx.client, playbook: playbook.name, inputs: actionInputs.allow.parse({ ...inputs, to }) }));
      if (decisions.every((d) => d.decision === 'deny')) {
        const first = decisions[0] as (typeof decisions)[number];
        return { ...first, reasons: [...first.reasons, 'denied whatever tier the unmapped target is'] };
      }
    } catch (error) {
      if (!(error instanceof PolicyRequestError)) throw error;
    }
  }
  return undefined;
}

export { describeIdentity };

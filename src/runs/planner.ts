import type { Config } from '../config/schema.ts';
import { analyzeRules } from '../analysis/analyze.ts';
import { CLEANUP_KINDS } from '../analysis/cleanup.ts';
import type { Connector, PortRange, Protocol } from '../connectors/types.ts';
import { PLACEMENTS, ruleExpiry, ruleServes } from '../reconcile/desired.ts';
import { Refusal } from '../refusal.ts';
import { canonicalCidr, tryParseCidr } from '../net/cidr.ts';
import { checkBlockGuardrails } from '../playbooks/guardrails.ts';
import type { ActionInputs } from '../playbooks/inputs.ts';
import type { TargetCatalog } from '../playbooks/load.ts';
import type { Playbook } from '../playbooks/schema.ts';
import type { Store } from '../store/types.ts';
import type { TrafficSource } from '../flowlogs/server-source.ts';
import { adoptionSpecs, specsOfRule, type TargetReading } from './plan-adopt.ts';
import type { Intent, IntentSpec, RunTargetRef, RunWork } from './types.ts';
import type { PlacementChains } from '../reconcile/chains.ts';

export interface PlanContext {
  store: Store;
  /** Connector instances (cleanup reads the target's live rules). */
  connectors?: Map<string, Connector>;
  catalog: TargetCatalog;
  tiers: Config['tiers'];
  now: number;
  runId: string;
  /** Observed traffic per target (cleanup kinds unused and narrow). */
  traffic?: TrafficSource;
  /** Placement chains: a block on a chain's head is marked with the chain (the reconciler places it across the points). */
  chains?: PlacementChains;
}

/** What a run will change: new or re-targeted intents, intents to retract, and the targets touched. */
export interface RunPlan {
  targets: RunTargetRef[];
  upserts: Intent[];
  retracts: Intent[];
  /** For the audit record and the response: what was decided, e.g. escalated ttls. */
  notes: Record<string, unknown>;
}

const portsKey = (ports: PortRange[] = []) => ports.map((p) => `${p.from}-${p.to}`).join(',') || '*';
export const matchKeyOf = (kind: Intent['kind'], s: IntentSpec): string =>
  kind === 'quarantine'
    ? `quarantine|${s.host}`
    : `${kind}|${s.direction}|${s.protocol}|${portsKey(s.ports)}|${s.sourceGroup ?? ''}|${s.cidr ?? ''}`;

/** Expands "*" targets against the catalog. */
export function expandTargets(refs: { connector: string; target: string }[], catalog: TargetCatalog): RunTargetRef[] {
  return refs.flatMap((r) => {
    const ids = catalog.get(r.connector) ?? [];
    return r.target === '*' ? ids.map((target) => ({ connector: r.connector, target })) : [{ connector: r.connector, target: r.target }];
  });
}

function refuse(guardrail: string, detail: string, extras: Record<string, unknown> = {}): never {
  const code = guardrail === 'tier' ? 'unknown_tier' : guardrail === 'target' ? 'target_unknown' : 'guardrail_refused';
  throw new Refusal(code, detail, code === 'guardrail_refused' ? { guardrail, ...extras } : extras);
}

/** Turns a playbook call into intents, applying the playbook's guardrails and defaults. Changes nothing. */
export async function planRun<A extends Playbook['action']>(
  playbook: Playbook & { action: A },
  inputs: ActionInputs[A],
  ctx: PlanContext,
): Promise<RunPlan> {
  const targets = expandTargets(playbook.targets, ctx.catalog);
  switch (playbook.action) {
    case 'block':
      return planBlock(playbook, inputs as ActionInputs['block'], targets, ctx);
    case 'unblock':
      return planRetract('deny', targets, ctx, (i) => matchesIndicators(i, inputs as ActionInputs['unblock']));
    case 'allow':
      return planAllow(playbook, inputs as ActionInputs['allow'], ctx);
    case 'revoke': {
      const allow = await planAllow(playbook, inputs as ActionInputs['revoke'], ctx);
      const keys = new Set(allow.upserts.map((u) => `${u.connectorId}/${u.targetId}/${u.matchKey}`));
      return planRetract('allow', allow.targets, ctx, (i) => keys.has(`${i.connectorId}/${i.targetId}/${i.matchKey}`));
    }
    case 'cleanup':
      return planCleanup(inputs as ActionInputs['cleanup'], targets, ctx);
    case 'adopt':
      return planAdopt(inputs as ActionInputs['adopt'], targets, ctx);
    case 'quarantine':
    case 'release': {
      const { host, connector } = inputs as ActionInputs['quarantine'];
      const chosen = hostTargets(targets, connector);
      if (playbook.action === 'release') {
        return planRetract('quarantine', chosen, ctx, (i) => i.spec.host === host);
      }
      const upserts = chosen.map((t) => newIntent('quarantine', t, { host }, ctx, undefined, 1));
      return { targets: chosen, upserts, retracts: [], notes: { host } };
    }
  }
  throw new Error(`unknown action ${String(playbook.action)}`);
}

async function planBlock(playbook: Playbook, inputs: ActionInputs['block'], targets: RunTargetRef[], ctx: PlanContext): Promise<RunPlan> {
  const indicators = [...new Set(inputs.indicators.map((i) => canonicalCidr(i)))];
  const ttl = inputs.ttl ?? playbook.defaults.ttl;
  const violations = checkBlockGuardrails(indicators, ttl, playbook.guardrails, inputs.indicators.length);
  const first = violations[0];
  if (first) {
    refuse(first.guardrail, `guardrail ${first.guardrail}: ${first.detail}`, { violations });
  }
  const directions = expand(inputs.direction ?? playbook.defaults.direction);
  const protocol: Protocol = inputs.protocol ?? playbook.defaults.protocol;
  const wanted = targets.flatMap((t) => {
    const chain = ctx.chains?.forBlock(playbook, t.connector, t.target);
    return directions.flatMap((direction) =>
      indicators.map((cidr) => ({ t, spec: { direction, protocol, ports: [], cidr, ...(chain ? { chain } : {}) } satisfies IntentSpec })),
    );
  });
  const existing = await ctx.store.intentsByKeys(
    wanted.map((w) => ({ connectorId: w.t.connector, targetId: w.t.target, matchKey: matchKeyOf('deny', w.spec) })),
  );
  const byKey = new Map(existing.map((e) => [`${e.connectorId}/${e.targetId}/${e.matchKey}`, e]));
  const escalated: Record<string, number> = {};
  const upserts = wanted.map(({ t, spec }) => {
    const prior = byKey.get(`${t.connector}/${t.target}/${matchKeyOf('deny', spec)}`);
    const active = prior && prior.desired === 'present' && (prior.expiresAt === undefined || prior.expiresAt > ctx.now);
    const offenses = active ? prior.offenses + 1 : 1;
    const ladder = playbook.repeatOffenders?.escalate;
    let effectiveTtl = ladder && !inputs.ttl ? ladder[Math.min(offenses, ladder.length) - 1] : ttl;
    // maxTtl caps every block, including one that would otherwise never expire.
    if (playbook.guardrails.maxTtl !== undefined) {
      effectiveTtl = Math.min(effectiveTtl ?? playbook.guardrails.maxTtl, playbook.guardrails.maxTtl);
    }
    if (offenses > 1 && spec.cidr) escalated[spec.cidr] = offenses;
    let expiresAt = effectiveTtl === undefined ? undefined : ctx.now + effectiveTtl;
    // Re-blocking never shortens an active block; a block with no expiry stays without one.
    if (active && (prior.expiresAt === undefined || (expiresAt !== undefined && prior.expiresAt > expiresAt))) expiresAt = prior.expiresAt;
    return newIntent('deny', t, spec, ctx, expiresAt, offenses, prior?.id);
  });
  return { targets, upserts, retracts: [], notes: { indicators: indicators.length, ttl_ms: ttl ?? null, repeat_offenders: escalated } };
}

function planAllow(playbook: Playbook, inputs: ActionInputs['allow'], ctx: PlanContext): RunPlan {
  const tier = ctx.tiers[inputs.to];
  if (!tier) {
    refuse('tier', `to: unknown tier "${inputs.to}" (known tiers: ${Object.keys(ctx.tiers).join(', ') || 'none'})`);
  }
  const playbookTargets = expandTargets(playbook.targets, ctx.catalog);
  const targets = tier.targets.length
    ? tier.targets.filter((t) => playbookTargets.some((p) => p.connector === t.connector && p.target === t.target))
    : playbookTargets;
  if (!targets.length) refuse('tier', `to: tier "${inputs.to}" has no targets this playbook may change`);
  const sources = inputs.from.flatMap((from, i) => {
    if (ctx.tiers[from]) return ctx.tiers[from].cidrs.map((c) => canonicalCidr(c));
    const parsed = tryParseCidr(from);
    if (!parsed.ok) refuse('tier', `from[${i}]: "${from}" is neither a known tier nor a CIDR (${parsed.error})`);
    return [canonicalCidr(from)];
  });
  const ports = inputs.port ? [inputs.port] : [];
  const ttl = inputs.ttl ?? playbook.defaults.ttl;
  const upserts = targets.flatMap((t) =>
    [...new Set(sources)].map((cidr) =>
      newIntent('allow', t, { direction: 'ingress', protocol: inputs.protocol, ports, cidr }, ctx, ttl === undefined ? undefined : ctx.now + ttl, 1),
    ),
  );
  return { targets, upserts, retracts: [], notes: { from: inputs.from, to: inputs.to, sources: sources.length } };
}

async function planRetract(
  kind: Intent['kind'],
  targets: RunTargetRef[],
  ctx: PlanContext,
  matches: (i: Intent) => boolean,
): Promise<RunPlan> {
  const active = await ctx.store.activeIntents(kind);
  const retracts = active.filter(
    (i) => targets.some((t) => t.connector === i.connectorId && t.target === i.targetId) && matches(i),
  );
  return { targets, upserts: [], retracts, notes: { matched: retracts.length } };
}

function matchesIndicators(i: Intent, inputs: ActionInputs['unblock']): boolean {
  const wanted = new Set(inputs.indicators.map((x) => canonicalCidr(x)));
  const directions = expand(inputs.direction ?? 'both');
  return wanted.has(i.spec.cidr ?? '') && directions.includes(i.spec.direction ?? 'ingress');
}

function hostTargets(targets: RunTargetRef[], connector: string | undefined): RunTargetRef[] {
  const chosen = connector ? targets.filter((t) => t.connector === connector) : targets;
  const connectors = new Set(chosen.map((t) => t.connector));
  if (!chosen.length) refuse('target', `connector: "${connector}" is not a target of this playbook`);
  if (connectors.size > 1) {
    refuse('target', `connector: this playbook spans ${[...connectors].join(', ')}; name the connector that holds the host`);
  }
  return chosen.slice(0, 1);
}

async function readTarget(inputs: { connector: string; target: string }, targets: RunTargetRef[], ctx: PlanContext): Promise<TargetReading> {
  const target = targets.find((t) => t.connector === inputs.connector && t.target === inputs.target);
  const connector = ctx.connectors?.get(inputs.connector);
  if (!target || !connector) refuse('target', `connector/target: ${inputs.connector}/${inputs.target} is not a target of this playbook`);
  const rules = await connector.list(inputs.target);
  const intents = await ctx.store.intentsForTarget(inputs.connector, inputs.target);
  return { target, connector, rules, intents };
}

/** The cleanup kinds callers name, as the analysis' finding kinds they fix. */
const FINDINGS_OF_KIND: Record<string, string[]> = { unused: ['unused', 'block_idle'], narrow: ['narrowable'] };

/**
 * A cleanup run: analyse the target's live rules and retract the intents behind owned rules whose
 * findings are of the chosen kinds, so the reconciler removes or repacks those rules. Rules the service
 * does not own are never touched (their findings are for a person; adopt-rules takes them over first).
 * `unused` and `narrow` judge from the target's configured flow logs: unused rules are retired, and a
 * narrowable rule's intents are replaced by intents for the sources and ports that were used.
 */
async function planCleanup(inputs: ActionInputs['cleanup'], targets: RunTargetRef[], ctx: PlanContext): Promise<RunPlan> {
  const { target, connector, rules, intents } = await readTarget(inputs, targets, ctx);
  const limits: Partial<Record<(typeof rules)[number]['placement'], ReturnType<Connector['limits']>>> = {};
  for (const placement of new Set(rules.map((r) => r.placement))) limits[placement] = connector.limits(inputs.target, placement);
  const placements = PLACEMENTS[connector.type] ?? { deny: 'nsg', allow: 'nsg' };
  const kinds = inputs.kinds ?? CLEANUP_KINDS;
  const byTraffic = kinds.filter((k) => k in FINDINGS_OF_KIND);
  const traffic = byTraffic.length ? await readTraffic(ctx, inputs.connector, inputs.target, rules) : undefined;
  if (byTraffic.length && !traffic) {
    throw new Refusal(
      'traffic_unavailable',
      `kinds ${byTraffic.join(', ')}: no flow logs are configured for ${inputs.connector}/${inputs.target}; add it under flowLogs in portcullis.config.yaml (or drop those kinds)`,
    );
  }
  const report = analyzeRules(rules, { cloud: connector.type, limits, expiryOf: ruleExpiry(intents, placements), now: ctx.now, ...(traffic ? { traffic } : {}) });
  const findingKinds = new Set(kinds.flatMap((k) => FINDINGS_OF_KIND[k] ?? [k]));
  const chosen = report.findings.filter((f) => findingKinds.has(f.kind));
  const narrow = chosen.filter((f) => f.kind === 'narrowable');
  const fixRules = new Set(chosen.flatMap((f) => f.rules.filter((r) => r.owned).map((r) => r.index)));
  const present = intents.filter((i) => i.desired === 'present');
  const retracts = present.filter((i) => [...fixRules].some((index) => rules[index] && ruleServes(rules[index], i, placements)));
  // Narrowing: the intents of the narrower rule replace the wide ones; one already held is kept as it is.
  const upserts: Intent[] = [];
  const narrowed: Record<string, unknown>[] = [];
  for (const f of narrow) {
    const change = f.fix.changes?.[0];
    const index = f.rules[0]?.index;
    if (change?.op !== 'update' || index === undefined || !rules[index]?.owned) continue;
    const kind = change.rule.action === 'deny' ? 'deny' : 'allow';
    for (const spec of specsOfRule(change.rule)) {
      const key = matchKeyOf(kind, spec);
      const held = retracts.findIndex((i) => i.kind === kind && i.matchKey === key);
      if (held >= 0) {
        retracts.splice(held, 1);
        continue;
      }
      if (upserts.some((u) => u.matchKey === key)) continue;
      const prior = intents.find((i) => i.kind === kind && i.matchKey === key);
      upserts.push(newIntent(kind, target, spec, ctx, undefined, 1, prior?.id));
    }
    narrowed.push({ rule: change.before.cloudId ?? index, to: { cidrs: change.rule.cidrs, ports: change.rule.ports }, evidence: f.evidence ?? null });
  }
  const notes: Record<string, unknown> = { findings: chosen.length, rules: fixRules.size, kinds };
  if (traffic) notes.coverage = traffic.usage.coverage();
  if (narrowed.length) notes.narrowed = narrowed;
  return { targets: [target], upserts, retracts, notes };
}

/** The target's observed traffic; logs that cannot be read (or belong to another account) refuse the run, naming why. */
async function readTraffic(ctx: PlanContext, connector: string, target: string, rules: Awaited<ReturnType<Connector['list']>>) {
  try {
    return await ctx.traffic?.(connector, target, rules);
  } catch (error) {
    throw new Refusal('traffic_unavailable', `the flow logs configured for ${connector}/${target} could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * adopt-rules: intents that reproduce each named foreign rule exactly (marked with the rule's cloud id).
 * The reconciler marks the rule as owned before its next pass, so nothing the rule enforces changes; it
 * can then be retired or narrowed by cleanup-rules like any owned rule.
 */
async function planAdopt(inputs: ActionInputs['adopt'], targets: RunTargetRef[], ctx: PlanContext): Promise<RunPlan> {
  const reading = await readTarget(inputs, targets, ctx);
  const chosen = adoptionSpecs(reading, inputs);
  const upserts: Intent[] = [];
  for (const { kind, specs } of chosen) {
    for (const spec of specs) {
      const key = matchKeyOf(kind, spec);
      if (upserts.some((u) => u.kind === kind && u.matchKey === key)) continue;
      const prior = reading.intents.find((i) => i.kind === kind && i.matchKey === key);
      upserts.push(newIntent(kind, reading.target, spec, ctx, undefined, 1, prior?.id));
    }
  }
  return {
    targets: [reading.target],
    upserts,
    retracts: [],
    notes: { adopted: chosen.map(({ rule }) => ({ cloud_id: rule.cloudId, action: rule.action, direction: rule.direction, protocol: rule.protocol, ports: rule.ports, cidrs: rule.cidrs.length, priority: rule.priority })) },
  };
}

const expand = (d: 'ingress' | 'egress' | 'both'): ('ingress' | 'egress')[] => (d === 'both' ? ['ingress', 'egress'] : [d]);

function newIntent(
  kind: Intent['kind'],
  t: RunTargetRef,
  spec: IntentSpec,
  ctx: PlanContext,
  expiresAt: number | undefined,
  offenses: number,
  id = `int_${crypto.randomUUID()}`,
): Intent {
  return {
    id,
    runId: ctx.runId,
    kind,
    connectorId: t.connector,
    targetId: t.target,
    matchKey: matchKeyOf(kind, spec),
    spec,
    desired: 'present',
    state: 'pending',
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    offenses,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
}

/** The run/intent changes of a plan, for a UnitOfWork. */
export function planWork(plan: RunPlan, runId: string, now: number): RunWork {
  return {
    upsertIntents: plan.upserts,
    retractIntents: plan.retracts.map((r) => ({ id: r.id, runId, at: now })),
  };
}

/** The targets a plan changes (intents added, re-targeted or retracted): the ones to reconcile. */
export function changedTargets(plan: RunPlan): RunTargetRef[] {
  const keys = new Set([...plan.upserts, ...plan.retracts].map((i) => `${i.connectorId}\u0000${i.targetId}`));
  return [...keys].map((k) => {
    const [connector, target] = k.split('\u0000') as [string, string];
    return { connector, target };
  });
}

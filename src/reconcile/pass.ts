import type { AuditEventInput } from '../audit/types.ts';
import type { Connector, NormalizedRule, OperationResult, RuleChange } from '../connectors/types.ts';
import type { Intent, RunWork } from '../runs/types.ts';
import { IntentIndex, type Placements, RuleIndex, desiredGroups, liveIntents } from './desired.ts';
import { type Plan, plan } from './packing-plan.ts';
import { ReasonIndex } from './reasons.ts';

export interface PassInput {
  connector: Connector;
  targetId: string;
  intents: Intent[];
  placements: Placements;
  now: number;
}

export interface PassPlan {
  current: NormalizedRule[];
  plans: Plan[];
  changes: RuleChange[];
  /** Changes refused by connector.validate before any call, with the reasons. */
  invalid: { change: RuleChange; problems: string[] }[];
}

/** Reads the target and computes what one pass would send. No writes: dry runs stop here. */
export async function planPass(input: PassInput): Promise<PassPlan> {
  const { connector, targetId, intents, placements, now } = input;
  const live = liveIntents(intents, now);
  // Rules that adopt-rules intents take over count as owned (a pass marks them before planning; a
  // preview of an adoption must show that nothing else changes, not a second copy of each rule).
  const adopting = new Set(live.flatMap((i) => (i.spec.adopt ? [i.spec.adopt] : [])));
  const listed = await connector.list(targetId);
  const current = adopting.size ? listed.map((r) => (!r.owned && r.cloudId && adopting.has(r.cloudId) ? { ...r, owned: true } : r)) : listed;
  const groups = desiredGroups(live, placements);
  // The whole listing goes to plan: foreign rules are never changed, but their priorities are taken.
  const plans = [plan(current, groups, (placement) => connector.limits(targetId, placement))];
  const invalid: PassPlan['invalid'] = [];
  const changes: RuleChange[] = [];
  for (const change of plans.flatMap((p) => p.changes)) {
    const problems = change.op === 'delete' ? [] : connector.validate(targetId, change.rule);
    if (problems.length) invalid.push({ change, problems });
    else changes.push(change);
  }
  return { current, plans, changes, invalid };
}

export interface PassOutcome {
  work: RunWork;
  audit: AuditEventInput[];
  results: OperationResult[];
  drift: boolean;
  /** Changes the connector refused without calling the cloud (e.g. capacity), with the first reason. */
  refusedBeforeCall: { count: number; first?: OperationResult['error'] };
  /** The owned rules the target holds after the pass (a placement chain asks which intents they serve). */
  held: RuleIndex;
  /** Rules of changes that did not complete, still in place (an intent being removed may still be served). */
  lingering: RuleIndex;
  /** Why an intent is not served (a chain names every point's reason). */
  reasons: ReasonIndex;
}

export interface ApplyOptions {
  /** The intents whose outcomes this pass decides (default: all). A chain decides its blocks' outcomes itself. */
  decide?: (intent: Intent) => boolean;
}

/**
 * Applies a planned pass and decides each intent's outcome: applied when an owned rule now serves it,
 * removed when it was retracted and no rule serves it any more, failed with the reason otherwise.
 */
export async function applyPass(input: PassInput, planned: PassPlan, target: string, options: ApplyOptions = {}): Promise<PassOutcome> {
  const { connector, targetId, intents, placements, now } = input;
  const results = planned.changes.length ? await connector.apply(targetId, planned.changes) : [];
  const failedChanges = results.filter((r) => !r.ok);
  // What the target holds now: the planned rules, minus changes that failed or that validate refused
  // before any call (for both, the old form stays).
  const notMade = [...failedChanges.map((f) => f.change), ...planned.invalid.map((v) => v.change)];
  const failedKeys = new Set(notMade.flatMap((c) => (c.op === 'delete' ? [] : [ruleKey(c.rule)])));
  const holding = planned.plans.flatMap((p) => p.rules).filter((rule) => !failedKeys.has(ruleKey(rule)));
  const stillThere = notMade.flatMap((c) => (c.op === 'create' ? [] : [c.op === 'delete' ? c.rule : c.before]));

  const live = new Set(liveIntents(intents, now).map((i) => i.id));
  const holdingIndex = new RuleIndex(holding, placements);
  const stillThereIndex = new RuleIndex(stillThere, placements);
  const reasons = new ReasonIndex(planned.plans, planned.invalid, failedChanges, placements);
  const outcomes: NonNullable<RunWork['intentOutcomes']> = [];
  const decide = options.decide ?? (() => true);
  for (const intent of intents.filter((i) => i.kind !== 'quarantine' && decide(i))) {
    const served = holdingIndex.serves(intent);
    if (live.has(intent.id)) {
      if (served) {
        if (intent.state !== 'applied') outcomes.push({ id: intent.id, state: 'applied', at: now });
      } else {
        outcomes.push({ id: intent.id, state: 'failed', error: reasons.why(intent).text, at: now });
      }
    } else if (!stillThereIndex.serves(intent) && !served) {
      outcomes.push({ id: intent.id, state: 'removed', at: now });
    } else {
      outcomes.push({ id: intent.id, state: 'failed', error: 'removal did not complete; will retry', at: now });
    }
  }
  const drift = findDrift(intents, planned.current, live, placements);
  // One event per change that reached the cloud; changes refused before any call (capacity, validation)
  // are counted in the pass summary instead, so a full target does not flood the log on every pass.
  const audit: AuditEventInput[] = results
    .filter((r) => r.calls.length > 0)
    .map((r) => ({
      action: 'cloud.operation',
      outcome: r.ok ? 'success' : 'failure',
      target,
      detail: {
        op: r.change.op,
        rule: describeRule(r.change.rule),
        calls: r.calls,
        ...(r.error ? { error: r.error } : {}),
      },
    }));
  const refusedBeforeCall = results.filter((r) => r.calls.length === 0 && !r.ok);
  if (drift.missing.length || drift.stray.length) {
    // Healed whatever else this pass refused (capacity, validation): the outcome is about the drift only.
    const stillMissing = drift.missing.filter((i) => !holdingIndex.serves(i));
    const strayKeys = new Set(drift.stray.map(ruleKey));
    const strayLeft = stillThere.filter((r) => strayKeys.has(ruleKey(r)));
    audit.push({
      action: 'drift.healed',
      outcome: stillMissing.length || strayLeft.length ? 'failure' : 'success',
      target,
      detail: {
        changes: planned.changes.length,
        restored: drift.missing.length - stillMissing.length,
        removed: drift.stray.length - strayLeft.length,
        ...(stillMissing.length || strayLeft.length ? { not_healed: stillMissing.length + strayLeft.length } : {}),
        cidrs: drift.missing.slice(0, 20).map((i) => i.spec.cidr ?? i.spec.sourceGroup ?? null),
      },
    });
  }
  return {
    work: { intentOutcomes: outcomes },
    audit,
    results,
    drift: drift.missing.length > 0 || drift.stray.length > 0,
    refusedBeforeCall: { count: refusedBeforeCall.length, ...(refusedBeforeCall[0]?.error ? { first: refusedBeforeCall[0].error } : {}) },
    held: holdingIndex,
    lingering: stillThereIndex,
    reasons,
  };
}

/**
 * Drift the listing shows before a pass: live intents recorded as applied that no owned rule serves any
 * more (deleted or changed out of band), and owned rules that serve no intent at all (added in the
 * service's band, or changed to something nobody asked for). Pending and refused intents are not drift.
 */
function findDrift(intents: Intent[], current: NormalizedRule[], live: Set<string>, placements: Placements) {
  const owned = current.filter((r) => r.owned);
  const index = new RuleIndex(owned, placements);
  const rules = intents.filter((i) => i.kind !== 'quarantine');
  const missing = rules.filter((i) => live.has(i.id) && i.state === 'applied' && !index.serves(i));
  const served = new IntentIndex(rules, placements);
  const stray = owned.filter((r) => !served.anyServedBy(r));
  return { missing, stray };
}

const ruleKey = (r: NormalizedRule): string =>
  JSON.stringify([r.placement, r.direction, r.action, r.protocol, r.ports, r.priority, r.sourceGroup ?? '', [...r.cidrs].sort()]);

export function describeRule(r: NormalizedRule): Record<string, unknown> {
  return {
    placement: r.placement,
    direction: r.direction,
    action: r.action,
    protocol: r.protocol,
    ports: r.ports,
    priority: r.priority,
    cidrs: r.cidrs.length > 20 ? [...r.cidrs.slice(0, 20), `(+${r.cidrs.length - 20} more)`] : r.cidrs,
    prefixes: r.cidrs.length,
    ...(r.cloudId ? { cloud_id: r.cloudId } : {}),
  };
}

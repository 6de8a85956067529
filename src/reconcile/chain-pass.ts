import type { AuditEventInput } from '../audit/types.ts';
import type { Connector, NormalizedRule } from '../connectors/types.ts';
import type { Intent, RunWork } from '../runs/types.ts';
import { type AdoptionOutcome, adoptForeignRules } from './adopt.ts';
import { type ChainPlacement, type ChainPoint, type PlacementChain, placementOf } from './chains.ts';
import { liveIntents, PLACEMENTS, type Placements } from './desired.ts';
import { LeaseLost } from './leases.ts';
import { applyPass, type PassOutcome, type PassPlan, planPass } from './pass.ts';

export interface ChainPassDeps {
  chain: PlacementChain;
  connectorOf(connectorId: string): Connector;
  intentsOf(point: ChainPoint): Promise<Intent[]>;
  now: number;
  /** Called with a point's plan before its changes are applied (the reconcile.planned record). */
  beforeApply(point: ChainPoint, planned: PassPlan): Promise<void>;
  /** The usual quarantine step for a point's own quarantine intents. */
  quarantines(connector: Connector, targetId: string, intents: Intent[], target: string): Promise<{ work: RunWork; audit: AuditEventInput[] }>;
}

export interface ChainPassResult {
  work: RunWork;
  audit: AuditEventInput[];
}

/** Why a block is not on one point: the point's own sentence, and whether it is a capacity refusal. */
interface Miss {
  point: number;
  text: string;
  capacity: boolean;
}

const placementsOf = (connector: Connector): Placements => PLACEMENTS[connector.type] ?? PLACEMENTS['aws-ec2']!;
const familyOfText = (cidr: string) => (cidr.includes(':') ? 'ipv6' : 'ipv4');
const FAMILY = { ipv4: 'IPv4', ipv6: 'IPv6' } as const;

/**
 * One reconcile pass over every point of a placement chain, in chain order. The chain's blocks are the
 * deny intents on its head whose spec names the chain (the others on each point are planned there as
 * always). Each point is planned with the same packing and capacity rules as a lone target
 * (planPass/applyPass), with these blocks as candidates:
 * - `overflow`: the blocks not yet held by an earlier point of this pass. A block therefore goes to the
 *   first point with room, and moves back to an earlier point as soon as room frees there: it is a
 *   candidate on the earlier point first, and only once it holds there is it left out of (and so removed
 *   from) the later point it held on;
 * - `all`: every block, on every point.
 * A block that is no candidate of a point but held there before is planned absent on it (removed, and
 * not counted as drift). A block is applied when it holds on a point (`all`: on every point); where it
 * holds is kept in the intent (`cloud.points`). Refused only when no point holds it: a capacity refusal
 * names every point with its used/limit counts.
 *
 * Complexity per pass, n blocks and m points: each point's planning is the packing's O(n log n); the
 * candidate filtering, outcome and reason steps are O(n) per point (Sets/Maps, ReasonIndex lookups in
 * O(L)); usage counts are O(prefixes) per point, once. Total O(m · n log n).
 */
export async function chainPass(deps: ChainPassDeps): Promise<ChainPassResult> {
  const { chain, now } = deps;
  const head = chain.points[0]!;
  const perPoint = await Promise.all(chain.points.map((p) => deps.intentsOf(p)));
  const isChained = (i: Intent) => i.kind === 'deny' && i.spec.chain === chain.id;
  const chained = (perPoint[0] ?? []).filter(isChained);
  const live = liveIntents(chained, now);
  const liveIds = new Set(live.map((i) => i.id));
  const before = new Map(chained.map((i) => [i.id, new Set(placementOf(i, head.key))]));
  const heldAt = new Map<string, number[]>(chained.map((i) => [i.id, []]));
  const misses = new Map<string, Miss[]>();
  const placed = new Set<string>();
  const usage: { point: ChainPoint; used: Map<string, number>; limit: (direction: string, family: 'ipv4' | 'ipv6') => number; unit: string }[] = [];
  const work: NonNullable<RunWork['intentOutcomes']> = [];
  const audit: AuditEventInput[] = [];

  for (const [k, point] of chain.points.entries()) {
    const connector = deps.connectorOf(point.connectorId);
    const placements = placementsOf(connector);
    const target = point.key;
    const own = (perPoint[k] ?? []).filter((i) => !isChained(i));
    const candidates = chain.mode === 'all' ? live : live.filter((i) => !placed.has(i.id));
    const candidateIds = new Set(candidates.map((i) => i.id));
    // The chain's blocks as this point sees them: candidates (applied here when they held here before),
    // the rest absent (so a block that moved to an earlier point, or was unblocked, leaves this one).
    const seen: Intent[] = chained.map((i) =>
      candidateIds.has(i.id)
        ? { ...i, state: before.get(i.id)?.has(point.key) ? 'applied' : 'pending' }
        : { ...i, desired: 'absent' },
    );
    let adoption: AdoptionOutcome = { held: new Set(), work: {}, audit: [] };
    let intents: Intent[];
    let planned: PassPlan;
    try {
      adoption = await adoptForeignRules(connector, point.targetId, own, target, now);
      intents = [...own.filter((i) => !adoption.held.has(i.id)), ...seen];
      planned = await planPass({ connector, targetId: point.targetId, intents, placements, now });
    } catch (error) {
      if (error instanceof LeaseLost) throw error;
      const reason = `could not read the target: ${error instanceof Error ? error.message : String(error)}`;
      work.push(...own.filter((i) => i.state === 'pending').map((i) => ({ id: i.id, state: 'failed' as const, error: reason, at: now })));
      // Unknown state: a block that held here is assumed to hold still (never moved on the strength of a failed read).
      for (const i of candidates) {
        if (before.get(i.id)?.has(point.key)) {
          heldAt.get(i.id)?.push(k);
          placed.add(i.id);
        } else addMiss(misses, i.id, { point: k, text: reason, capacity: false });
      }
      audit.push({ action: 'reconcile.pass', outcome: 'failure', target, detail: { chain: chain.id, intents: own.length + candidates.length, error: reason } });
      continue;
    }
    if (planned.changes.length) await deps.beforeApply(point, planned);
    const ownIds = new Set(own.map((i) => i.id));
    const outcome: PassOutcome = await applyPass({ connector, targetId: point.targetId, intents, placements, now }, planned, target, { decide: (i) => ownIds.has(i.id) });
    let heldHere = 0;
    for (const i of chained) {
      const served = outcome.held.serves(i);
      if (served || (!candidateIds.has(i.id) && outcome.lingering.serves(i))) {
        heldAt.get(i.id)?.push(k);
      }
      if (!candidateIds.has(i.id)) continue;
      if (served) {
        placed.add(i.id);
        heldHere++;
      } else {
        const why = outcome.reasons.why(i);
        addMiss(misses, i.id, { point: k, text: why.text, capacity: why.capacity });
      }
    }
    const limitsOf = connector.limits(point.targetId, placements.deny);
    usage[k] = {
      point,
      used: countPrefixes(planned.plans.flatMap((p) => p.rules), placements.deny),
      limit: (direction, family) => {
        const room = limitsOf.perFamily?.[direction as 'ingress' | 'egress']?.[family]?.owned ?? limitsOf.maxRulesPerDirection;
        return Math.min(room * limitsOf.maxPrefixesPerRule, limitsOf.maxPrefixesPerTarget);
      },
      unit: limitsOf.container ?? placements.deny,
    };
    const quarantine = await deps.quarantines(connector, point.targetId, own, target);
    work.push(...(adoption.work.intentOutcomes ?? []), ...(outcome.work.intentOutcomes ?? []), ...(quarantine.work.intentOutcomes ?? []));
    audit.push(...adoption.audit, ...outcome.audit, ...quarantine.audit, {
      action: 'reconcile.pass',
      outcome: outcome.results.some((r) => !r.ok) || planned.invalid.length ? 'failure' : 'success',
      target,
      detail: {
        chain: chain.id,
        mode: chain.mode,
        point: k,
        intents: own.length + candidates.length,
        changes: planned.changes.length,
        rejected_before_call: planned.invalid.length + outcome.refusedBeforeCall.count,
        ...(outcome.refusedBeforeCall.first ? { first_refusal: outcome.refusedBeforeCall.first } : {}),
        chain_blocks_held: heldHere,
        chain_blocks_passed_on: candidates.length - heldHere,
      },
    });
  }

  // The chain's outcome for each of its blocks, decided once across the points.
  const refusals = new Map<string, string>();
  const refusalOf = (i: Intent, missed: Miss[]): string => {
    const direction = i.spec.direction ?? 'ingress';
    const family = familyOfText(i.spec.cidr ?? '');
    const capacity = missed.length > 0 && missed.every((m) => m.capacity);
    // One sentence per direction, family and set of reasons: built once, so n refused blocks cost O(n).
    const key = `${direction}|${family}|${capacity}|${missed.map((m) => `${m.point}:${m.text}`).join('\u0000')}`;
    let text = refusals.get(key);
    if (text === undefined) {
      const counts = (m: Miss) => {
        const u = usage[m.point];
        return u ? ` ${u.used.get(`${direction}|${family}`) ?? 0}/${u.limit(direction, family)} ${direction} ${FAMILY[family]} prefixes in ${u.unit}` : '';
      };
      const parts = missed.map((m) => `${chain.points[m.point]?.key}${counts(m)} (${m.text})`);
      // overflow: refused only when no point holds it, so a capacity refusal means the whole chain is full.
      text =
        chain.mode === 'all'
          ? `${capacity ? 'capacity: ' : ''}not placed on every point of placement chain ${chain.id}: ${parts.join('; ')}`
          : capacity
            ? `capacity: every point of placement chain ${chain.id} is full: ${parts.join('; ')}`
            : `not placed on any point of placement chain ${chain.id}: ${parts.join('; ')}`;
      refusals.set(key, text);
    }
    return text;
  };
  for (const i of chained) {
    const index = heldAt.get(i.id) ?? [];
    const points = index.map((k) => chain.points[k]!.key);
    const cloud: ChainPlacement = { chain: chain.id, points, index };
    const moved = !sameSet(before.get(i.id), points);
    if (liveIds.has(i.id)) {
      const holds = chain.mode === 'all' ? points.length === chain.points.length : points.length > 0;
      if (holds) {
        if (i.state !== 'applied' || moved) work.push({ id: i.id, state: 'applied', cloud, at: now });
      } else {
        work.push({ id: i.id, state: 'failed', error: refusalOf(i, misses.get(i.id) ?? []), cloud, at: now });
      }
    } else if (points.length === 0) {
      work.push({ id: i.id, state: 'removed', cloud, at: now });
    } else {
      work.push({ id: i.id, state: 'failed', error: 'removal did not complete; will retry', cloud, at: now });
    }
  }
  return { work: { intentOutcomes: work }, audit: linkRuns(audit, work, perPoint) };
}

/**
 * Links the pass's audit events to the runs it settled, as a lone target's pass does: cloud operations
 * carry the run (one) or the list (several); every point's summary lists them (lead-time metrics read it).
 */
function linkRuns(audit: AuditEventInput[], outcomes: NonNullable<RunWork['intentOutcomes']>, perPoint: Intent[][]): AuditEventInput[] {
  const runIdOf = new Map<string, string>();
  for (const list of perPoint) for (const i of list) runIdOf.set(i.id, i.runId);
  const runs = [...new Set(outcomes.flatMap((o) => runIdOf.get(o.id) ?? []))];
  const detail = runs.length > 100 ? [...runs.slice(0, 100), `(+${runs.length - 100} more)`] : runs;
  return audit.map((e): AuditEventInput => {
    if (e.action === 'cloud.operation' && !e.runId) return runs.length === 1 ? { ...e, runId: runs[0] } : { ...e, detail: { ...e.detail, runs: detail } };
    if (e.action === 'reconcile.pass') return { ...e, ...(runs.length === 1 ? { runId: runs[0] } : {}), detail: { ...e.detail, runs: detail } };
    return e;
  });
}

function addMiss(misses: Map<string, Miss[]>, id: string, miss: Miss): void {
  const list = misses.get(id);
  if (list) list.push(miss);
  else misses.set(id, [miss]);
}

/** Prefixes in the rules of a placement, by direction and family. O(prefixes). */
function countPrefixes(rules: readonly NormalizedRule[], placement: NormalizedRule['placement']): Map<string, number> {
  const counts = new Map<string, number>();
  for (const rule of rules) {
    if (rule.placement !== placement || rule.action !== 'deny') continue;
    for (const cidr of rule.cidrs) {
      const key = `${rule.direction}|${familyOfText(cidr)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

function sameSet(a: Set<string> | undefined, b: string[]): boolean {
  if (!a) return b.length === 0;
  return a.size === b.length && b.every((x) => a.has(x));
}

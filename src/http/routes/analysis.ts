import { z } from '@hono/zod-openapi';
import { type RouteModule, signedRoute } from '../route.ts';
import { analyzeRules } from '../../analysis/analyze.ts';
import type { Finding, RuleRef } from '../../analysis/types.ts';
import type { Connector, NormalizedRule } from '../../connectors/types.ts';
import { PLACEMENTS, ruleExpiry } from '../../reconcile/desired.ts';
import { Problem } from '../problem.ts';
import { problems, readErrors } from './openapi-meta.ts';


const ruleRefSchema = z.object({
  index: z.number(),
  cloud_id: z.string().nullable(),
  placement: z.string(),
  direction: z.string(),
  action: z.string(),
  priority: z.number(),
  owned: z.boolean(),
});

const findingSchema = z.object({
  kind: z.string(),
  severity: z.enum(['critical', 'high', 'medium', 'low', 'info']),
  rules: z.array(ruleRefSchema),
  related: z.array(ruleRefSchema),
  message: z.string(),
  fix: z.object({ action: z.string(), detail: z.string(), retract_intents: z.array(z.string()) }),
});

const analysisRoute = signedRoute({ scope: 'runs:read', mutating: false }, {
  method: 'get',
  path: '/v1/connectors/{id}/analysis',
  operationId: 'analyzeConnector',
  tags: ['analysis'],
  summary: "Rule hygiene of a target's current rules (owned and not owned)",
  description:
    'Duplicates, shadowed and redundant rules (including rules covered only by several rules together), correlated rules, overly permissive rules, rules near a quota, expired owned rules and adjacent CIDRs that could merge, each with a severity and a suggested fix. Evaluation order follows the cloud: security groups unordered, NACLs by rule number, Azure and GCP by priority.',
  request: {
    params: z.object({ id: z.string().max(63) }),
    query: z.object({ target: z.string().max(128).optional().openapi({ description: 'Target id; optional when the connector has one target' }) }),
  },
  responses: {
    200: {
      description: 'The findings, most severe first',
      content: {
        'application/json': {
          schema: z.object({
            connector: z.string(),
            target: z.string(),
            cloud: z.string(),
            analyzed_at: z.string(),
            rules: z.number(),
            summary: z.record(z.string(), z.unknown()),
            capacity: z.record(
              z.string(),
              z.object({ rules: z.number(), owned: z.number(), max_owned_rules_per_direction: z.number(), max_prefixes_per_rule: z.number().nullable() }),
            ),
            findings: z.array(findingSchema),
          }),
          example: {
            connector: 'aws-sandbox',
            target: 'edge',
            cloud: 'aws-ec2',
            analyzed_at: '2026-01-01T00:00:00.000Z',
            rules: 2,
            summary: { duplicate: 1 },
            capacity: { sg: { rules: 2, owned: 0, max_owned_rules_per_direction: 60, max_prefixes_per_rule: 60 } },
            findings: [
              {
                kind: 'duplicate',
                severity: 'low',
                rules: [{ index: 1, cloud_id: 'sgr-0b1c2d3e4f5a60002', placement: 'security-group', direction: 'ingress', action: 'allow', priority: 0, owned: false }],
                related: [{ index: 0, cloud_id: 'sgr-0b1c2d3e4f5a60001', placement: 'security-group', direction: 'ingress', action: 'allow', priority: 0, owned: false }],
                message: 'rule 1 repeats rule 0',
                fix: { action: 'delete', detail: 'delete rule 1', retract_intents: [] },
              },
            ],
          },
        },
      },
    },
    ...problems([...readErrors(), 404], { 400: 'The connector has several targets and none was named, or a bad query', 404: 'No such connector or target' }),
  },
});

/**
 * Live listings are reused for LISTING_TTL_MS, so a read-only client polling the analysis cannot spend
 * the cloud API rate limit the reconciler needs (every call would otherwise list the target).
 */
const LISTING_TTL_MS = 30_000;
const listings = new WeakMap<Connector, Map<string, { at: number; rules: Promise<NormalizedRule[]> }>>();

function cachedListing(connector: Connector, target: string, now: number): Promise<NormalizedRule[]> {
  const byTarget = listings.get(connector) ?? new Map<string, { at: number; rules: Promise<NormalizedRule[]> }>();
  listings.set(connector, byTarget);
  const hit = byTarget.get(target);
  if (hit && now - hit.at < LISTING_TTL_MS) return hit.rules;
  const rules = connector.list(target);
  byTarget.set(target, { at: now, rules });
  rules.catch(() => byTarget.delete(target));
  return rules;
}

export const registerAnalysis: RouteModule = (app) => {
  app.openapi(analysisRoute, async (c) => {
    const { store, clock } = c.get('services');
    const runtime = c.get('services').runtime;
    if (!runtime) throw new Problem('unavailable', 'this runtime has no connectors to analyse');
    const { id } = c.req.valid('param');
    const connector = runtime.connectors.get(id);
    if (!connector) throw new Problem('not_found', `no connector "${id}" (have: ${[...runtime.connectors.keys()].join(', ') || 'none'})`);
    const targets = connector.targets();
    const target = c.req.valid('query').target ?? (targets.length === 1 ? targets[0] : undefined);
    if (!target) throw new Problem('invalid_query', `target: connector "${id}" has several targets; name one of ${targets.join(', ')}`);
    if (!targets.includes(target)) throw new Problem('not_found', `connector "${id}" has no target "${target}" (have: ${targets.join(', ')})`);

    const rules = await cachedListing(connector, target, clock.now());
    const limits: Partial<Record<NormalizedRule['placement'], ReturnType<Connector['limits']>>> = {};
    for (const placement of new Set(rules.map((r) => r.placement))) limits[placement] = connector.limits(target, placement);
    const now = clock.now();
    const placements = PLACEMENTS[connector.type] ?? { deny: 'nsg', allow: 'nsg' };
    const expiryOf = ruleExpiry(await store.intentsForTarget(id, target), placements);
    const report = analyzeRules(rules, { cloud: connector.type, limits, expiryOf, now });
    return c.json(
      {
        connector: id,
        target,
        cloud: connector.type,
        analyzed_at: new Date(now).toISOString(),
        rules: report.rules,
        summary: report.summary,
        // Per placement (NACL, security group, NSG, firewall): rules in use against what the service may own.
        capacity: Object.fromEntries(
          Object.entries(limits).map(([placement, l]) => [
            placement,
            {
              rules: rules.filter((r) => r.placement === placement).length,
              owned: rules.filter((r) => r.placement === placement && r.owned).length,
              max_owned_rules_per_direction: l?.maxRulesPerDirection ?? 0,
              max_prefixes_per_rule: Number.isFinite(l?.maxPrefixesPerRule) ? (l?.maxPrefixesPerRule ?? null) : null,
            },
          ]),
        ),
        findings: report.findings.map(findingJson),
      },
      200,
    );
  });
};

/** A rule expires when every intent it serves has expired or been retracted; a rule serving none never does. */

const refJson = (r: RuleRef) => ({
  index: r.index,
  cloud_id: r.cloudId ?? null,
  placement: r.placement,
  direction: r.direction,
  action: r.action,
  priority: r.priority,
  owned: r.owned,
});

function findingJson(f: Finding) {
  return {
    kind: f.kind,
    severity: f.severity,
    rules: f.rules.map(refJson),
    related: f.related.map(refJson),
    message: f.message,
    fix: { action: f.fix.action, detail: f.fix.detail, retract_intents: f.fix.retractIntents ?? [] },
  };
}

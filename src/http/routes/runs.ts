import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { type RouteModule, signedRoute } from '../route.ts';
import { actionInputs } from '../../playbooks/inputs.ts';
import { DEFAULT_SCOPE } from '../../playbooks/schema.ts';
import { changedTargets, planRun, planWork } from '../../runs/planner.ts';
import { decideApproval, pendingView } from '../../runs/accept.ts';
import type { Scope } from '../../config/schema.ts';
import { admitSignedRead, runMutation, sourceOf } from '../admission.ts';
import { hasScope } from '../clients.ts';
import type { AppEnv } from '../env.ts';
import { Problem } from '../problem.ts';
import { describeIssues } from '../validation.ts';
import { previewPlan } from './run-preview.ts';
import { RUN_EXAMPLE, runJson, runSchema } from './run-view.ts';
import { mutationErrors, problems } from './openapi-meta.ts';

const runBody = z
  .object({
    playbook: z.string().openapi({ description: 'Must equal the playbook in the path (binds the signed body to the route).' }),
    inputs: z.record(z.string(), z.unknown()).openapi({ description: "The playbook's inputs (see the playbook file)." }),
    dry_run: z
      .boolean()
      .optional()
      .openapi({ description: 'Must be true with ?dry_run=true (and absent or false without): the signature does not cover the query.' }),
  })
  .strict();

const dryRunSchema = z
  .object({
    dry_run: z.literal(true),
    playbook: z.string(),
    targets: z.array(
      z.object({
        connector: z.string(),
        target: z.string(),
        operations: z.array(z.object({ op: z.string(), rule: z.record(z.string(), z.unknown()) })),
        rejected: z.array(z.object({ op: z.string(), problems: z.array(z.unknown()) })),
        overflow: z.array(z.unknown()),
      }),
    ),
  })
  .openapi('DryRun');

const createRun = signedRoute({ scope: playbookScope, mutating: true }, {
  method: 'post',
  path: '/v1/playbooks/{name}/runs',
  operationId: 'createRun',
  tags: ['runs'],
  summary: 'Run a playbook (block, unblock, allow, revoke, quarantine, release)',
  description:
    'Records the run and its intents durably, then reconciles each target. 202 with Location, or with `Prefer: wait=N` (N ≤ 60) waits up to N seconds and answers 200 when the run has settled. `?dry_run=true` returns the exact cloud operations per target and changes nothing.',
  request: {
    params: z.object({ name: z.string() }),
    query: z.object({ dry_run: z.enum(['true', 'false']).optional() }),
    headers: z.object({
      'idempotency-key': z.string().optional().openapi({ description: 'Optional; the webhook-id is the key when absent. Kept 24 h.' }),
      prefer: z.string().optional().openapi({ description: 'wait=N (RFC 7240)' }),
    }),
    body: {
      content: {
        'application/json': {
          schema: runBody,
          examples: {
            block: { summary: 'Block an address for 24 h', value: { playbook: 'block-ip', inputs: { indicators: ['203.0.113.7'], ttl: '24h', reason: 'phishing C2' } } },
            dryRun: { summary: 'Dry run (also ?dry_run=true)', value: { playbook: 'block-ip', inputs: { indicators: '203.0.113.0/28' }, dry_run: true } },
          },
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'The run, settled within the Prefer: wait time (or a dry run)',
      headers: { 'preference-applied': { description: 'wait=N when Prefer: wait was honoured', schema: { type: 'string' } } },
      content: { 'application/json': { schema: z.union([runSchema, dryRunSchema]), example: RUN_EXAMPLE } },
    },
    202: {
      description: 'Accepted; poll Location',
      headers: {
        location: { description: 'The run: /v1/runs/{id}', schema: { type: 'string' } },
        'idempotency-replayed': { description: 'true when this is the stored answer of an earlier call with the same key', schema: { type: 'string' } },
      },
      content: { 'application/json': { schema: runSchema, example: { ...RUN_EXAMPLE, status: 'pending', targets: [{ ...RUN_EXAMPLE.targets[0], state: 'pending' }] } } },
    },
    ...problems([...mutationErrors(), 404], { 404: 'Unknown playbook', 422: 'Inputs, guardrail, tier, target or policy refused (the code and detail name which)' }),
  },
});

/**
 * The scope a run needs is the playbook's. An unknown playbook is a 404 only for clients that may run
 * playbooks at all; others get the 403, so playbook names cannot be probed without a run scope.
 */
function playbookScope(c: Context<AppEnv>): Scope {
  const name = c.req.param('name') ?? '';
  const playbook = c.get('services').runtime?.playbooks.get(name);
  if (playbook) return playbook.scope ?? DEFAULT_SCOPE[playbook.action];
  const client = c.get('client');
  if (client && RUN_SCOPES.some((scope) => hasScope(client, scope))) {
    throw new Problem('playbook_not_found', `no playbook "${name.slice(0, 64)}"`);
  }
  return 'block';
}

const RUN_SCOPES: Scope[] = ['block', 'unblock', 'allow', 'quarantine', 'release'];

export const registerRuns: RouteModule = (app) => {
  app.openapi(createRun, async (c) => {
    const services = c.get('services');
    const runtime = services.runtime;
    if (!runtime) throw new Problem('unavailable', 'this runtime has no playbooks or connectors configured');
    const { name } = c.req.valid('param');
    const body = c.req.valid('json');
    const playbook = runtime.playbooks.get(name);
    if (!playbook) throw new Problem('playbook_not_found', `no playbook "${name}"`);
    if (body.playbook !== name) {
      throw new Problem('playbook_mismatch', `body.playbook is "${body.playbook}" but the path names "${name}"; they must match`);
    }
    const allowed = playbook.inputs;
    const extra = allowed ? Object.keys(body.inputs).filter((k) => !allowed.includes(k)) : [];
    if (extra.length) {
      throw new Problem('validation_failed', `inputs.${extra[0]}: not an input of playbook ${name} (expected ${allowed?.join(', ')})`);
    }
    const parsed = actionInputs[playbook.action].safeParse(body.inputs);
    if (!parsed.success) {
      const { detail, errors } = describeIssues(parsed.error.issues.map((i) => ({ ...i, path: ['inputs', ...i.path] })));
      throw new Problem('validation_failed', detail, { errors });
    }
    const dryRun = c.req.valid('query').dry_run === 'true';
    // The query is not signed: the body must say the same, so a signed dry run can never be replayed
    // as a real change (or the other way round) by editing the URL.
    if (dryRun !== (body.dry_run === true)) {
      throw new Problem(
        'validation_failed',
        `dry_run: the query says ${dryRun} but the signed body says ${body.dry_run === true}; put "dry_run": true in the body of a dry run`,
      );
    }
    const runId = `run_${crypto.randomUUID()}`;
    const now = services.clock.now();
    const ctx = { store: services.store, connectors: runtime.connectors, catalog: runtime.catalog, tiers: runtime.tiers, ...(runtime.traffic ? { traffic: runtime.traffic } : {}), ...(runtime.chains ? { chains: runtime.chains } : {}), now, runId };

    if (dryRun) {
      await admitSignedRead(c);
      const plan = await planRun(playbook, parsed.data as never, ctx);
      const targets = await previewPlan(runtime, plan);
      await services.store.commit({
        audit: [{ action: 'run.dry_run', outcome: 'success', clientId: c.get('client')?.id, playbook: name, requestId: c.get('requestId'), sourceAddress: sourceOf(c), detail: { inputs: body.inputs } }],
      });
      c.set('audited', true);
      return c.json({ dry_run: true, playbook: name, targets }, 200);
    }

    // Targets whose desired state this run changes: only they need a reconcile pass.
    let touched: { connector: string; target: string }[] = [];
    // After the commit: schedule the passes and, with `Prefer: wait`, answer the settled run (which
    // then is also what a redelivery of this call is answered with).
    const settle = async (committed: { status: number; headers: Record<string, string> }) => {
      if (committed.status !== 202) return undefined;
      const passes = touched.map((t) => runtime.reconciler.schedule(t.connector, t.target));
      const wait = preferWait(c.req.header('prefer'));
      if (!wait) return undefined;
      await Promise.race([Promise.all(passes), services.clock.sleep(wait * 1000)]);
      const settled = await services.store.getRun(runId);
      if (!settled || settled.status === 'pending') return undefined;
      return {
        status: 200,
        headers: { ...committed.headers, 'preference-applied': `wait=${wait}` },
        body: JSON.stringify(runJson(settled)),
      };
    };
    return runMutation(c, async () => {
      const clientId = c.get('client')?.id ?? '';
      const operator = c.get('operator');
      const operatorIdentity = operator ? { iss: operator.iss, sub: operator.sub } : undefined;
      const decision = await decideApproval(playbook, runtime, { clientId, playbook: name, action: playbook.action, inputs: body.inputs });
      if (decision.decision === 'deny') {
        throw new Problem('policy_denied', `policy denied the request: ${decision.reasons.join('; ')}`, { policies: decision.policies });
      }
      // Plan even when the run waits for approval, so guardrail and input problems are answered now.
      const plan = await planRun(playbook, parsed.data as never, ctx);
      const waiting = decision.decision === 'needs_approval';
      touched = waiting ? [] : changedTargets(plan);
      const run = {
        id: runId,
        playbook: name,
        action: playbook.action,
        clientId,
        status: waiting ? ('pending_approval' as const) : ('accepted' as const),
        inputs: body.inputs,
        targets: plan.targets,
        decision: { ...decision, requested_by: clientId, ...(operatorIdentity ? { requested_by_operator: operatorIdentity } : {}) },
        createdAt: now,
        updatedAt: now,
      };
      return {
        status: 202,
        body: runJson(waiting ? { ...run, status: 'pending_approval', perTarget: [] } : pendingView(run, plan)),
        headers: { location: `/v1/runs/${runId}` },
        work: {
          runs: [run],
          ...(waiting ? {} : planWork(plan, runId, now)),
          audit: [
            {
              action: waiting ? 'run.pending_approval' : 'run.accepted',
              outcome: waiting ? 'pending' : 'success',
              clientId,
              runId,
              playbook: name,
              requestId: c.get('requestId'),
              detail: {
                action: playbook.action,
                ...(operatorIdentity ? { operator: operatorIdentity } : {}),
                decision,
                inputs: body.inputs,
                targets: plan.targets,
                intents: plan.upserts.length,
                retracted: plan.retracts.length,
                ...plan.notes,
              },
            },
          ],
        },
      };
    }, { answer: settle });
  });
};

/** RFC 7240 `Prefer: wait=N`, capped at 60 s. */
export function preferWait(header: string | undefined): number | undefined {
  const match = /(?:^|[;,\s])wait=(\d{1,4})/.exec(header ?? '');
  return match ? Math.min(60, Number(match[1])) : undefined;
}

import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { type RouteModule, signedRoute } from '../route.ts';
import { actionInputs } from '../../playbooks/inputs.ts';
import { changedTargets, planRun, planWork } from '../../runs/planner.ts';
import { runMutation } from '../admission.ts';
import type { AppEnv } from '../env.ts';
import { Problem } from '../problem.ts';
import { RUN_EXAMPLE, runJson, runSchema } from './run-view.ts';
import { mutationErrors, problems } from './openapi-meta.ts';

const decisionBody = z
  .object({
    run: z.string().openapi({ description: 'Must equal the run id in the path (binds the signed body to the route).' }),
    decision: z.enum(['approve', 'reject']).openapi({
      description: 'Must equal the verb in the path: the signature does not cover the path, so the signed body says what is decided.',
    }),
    comment: z.string().max(1000).optional(),
  })
  .strict();

const route = (verb: 'approve' | 'reject') =>
  signedRoute({ scope: 'approve', mutating: true }, {
    method: 'post',
    path: `/v1/runs/{id}/${verb}`,
    operationId: verb === 'approve' ? 'approveRun' : 'rejectRun',
    tags: ['approvals'],
    summary: verb === 'approve' ? 'Approve a run waiting for a second person' : 'Reject a run waiting for approval',
    description:
      'Body {"run": "<id>", "decision": "approve"|"reject", "comment": "…"}. Needs the approve scope and a client other than the requester (four eyes). A run can be decided once, before its approval window (approvals.expireAfterHours) ends.',
    request: {
      params: z.object({ id: z.string().max(80) }),
      body: {
        content: {
          'application/json': {
            schema: decisionBody,
            example: { run: 'run_5d9c2f64-3b1e-4a7a-9f0e-8c1d2b3a4e5f', decision: verb, comment: 'change ticket CHG-1234' },
          },
        },
        required: true,
      },
    },
    responses: {
      200: { description: 'The decided run', content: { 'application/json': { schema: runSchema, example: RUN_EXAMPLE } } },
      ...problems([...mutationErrors(), 404], {
        403: 'Scope denied, or four eyes: the requester cannot decide its own run',
        404: 'No such run',
        409: 'Not pending, the approval window passed, or a reused webhook-id',
      }),
    },
  });

async function decide(
  c: Context<AppEnv>,
  id: string,
  verb: 'approve' | 'reject',
  comment: string | undefined,
  touched: { connector: string; target: string }[],
) {
  const services = c.get('services');
  const runtime = services.runtime;
  if (!runtime) throw new Problem('unavailable', 'this runtime has no playbooks configured');
  const approver = c.get('client')?.id ?? '';
  // An operator is identified by issuer + subject (console sessions); it is recorded with the decision.
  const operator = c.get('operator');
  const operatorIdentity = operator ? { iss: operator.iss, sub: operator.sub } : undefined;
  return runMutation(c, async () => {
    const run = await services.store.getRun(id);
    if (!run) throw new Problem('not_found', `no run ${id}`);
    const now = services.clock.now();
    if (run.status !== 'pending_approval') {
      throw new Problem('run_not_pending', `run ${id} is ${run.status}; only pending_approval runs can be decided`);
    }
    if (run.clientId === approver || (operatorIdentity && sameOperator(run.decision?.requested_by_operator, operatorIdentity))) {
      throw new Problem(
        'four_eyes',
        operatorIdentity
          ? `operator ${operatorIdentity.sub} (${operatorIdentity.iss}) requested run ${id} and cannot also ${verb} it; another operator with the approve scope must`
          : `client "${approver}" requested run ${id} and cannot also ${verb} it; another client with the approve scope must`,
      );
    }
    if (now - run.createdAt > runtime.approvalTtlMs) {
      await services.store.commit({
        runDecisions: [{ runId: id, decision: 'approval_expired', at: now }],
        runStatus: [{ id, status: 'approval_expired', at: now }],
        audit: [{ action: 'run.approval_expired', outcome: 'failure', runId: id, playbook: run.playbook, detail: { created_at: new Date(run.createdAt).toISOString() } }],
      });
      throw new Problem('approval_expired', `run ${id} waited longer than ${runtime.approvalTtlMs / 3_600_000} h for approval; request it again`);
    }
    const decision = {
      ...(run.decision ?? {}),
      [verb === 'approve' ? 'approved_by' : 'rejected_by']: approver,
      ...(operatorIdentity ? { [verb === 'approve' ? 'approved_by_operator' : 'rejected_by_operator']: operatorIdentity } : {}),
      comment: comment ?? null,
      decided_at: new Date(now).toISOString(),
    };
    const audit = {
      action: verb === 'approve' ? 'run.approved' : 'run.rejected',
      outcome: 'success' as const,
      clientId: approver,
      runId: id,
      playbook: run.playbook,
      requestId: c.get('requestId'),
      detail: { requested_by: run.clientId, comment: comment ?? null, ...(operatorIdentity ? { operator: operatorIdentity } : {}) },
    };
    if (verb === 'reject') {
      return {
        status: 200,
        body: runJson({ ...run, status: 'rejected', decision }),
        work: {
          runDecisions: [{ runId: id, decision: 'rejected' as const, clientId: approver, at: now }],
          runStatus: [{ id, status: 'rejected' as const, decision, at: now }],
          audit: [audit],
        },
      };
    }
    const playbook = runtime.playbooks.get(run.playbook);
    if (!playbook) throw new Problem('playbook_not_found', `playbook ${run.playbook} is no longer configured`);
    // Guardrails and targets are checked again at approval time: config may have changed since.
    const inputs = actionInputs[playbook.action].parse(run.inputs);
    const plan = await planRun(playbook, inputs as never, { store: services.store, connectors: runtime.connectors, catalog: runtime.catalog, tiers: runtime.tiers, ...(runtime.traffic ? { traffic: runtime.traffic } : {}), ...(runtime.chains ? { chains: runtime.chains } : {}), now, runId: id });
    touched.push(...changedTargets(plan));
    return {
      status: 200,
      body: runJson({ ...run, status: 'pending', decision, perTarget: run.perTarget.map((t) => ({ ...t, state: 'pending' as const })) }),
      work: {
        runDecisions: [{ runId: id, decision: 'approved' as const, clientId: approver, at: now }],
        runStatus: [{ id, status: 'accepted' as const, decision, at: now }],
        ...planWork(plan, id, now),
        audit: [audit],
      },
    };
  });
}

function sameOperator(recorded: unknown, operator: { iss: string; sub: string }): boolean {
  if (!recorded || typeof recorded !== 'object') return false;
  const r = recorded as { iss?: unknown; sub?: unknown };
  return r.iss === operator.iss && r.sub === operator.sub;
}

const decisionsInFlight = new Map<string, Promise<unknown>>();
async function decisionLock<T>(runId: string, fn: () => Promise<T>): Promise<T> {
  const previous = decisionsInFlight.get(runId) ?? Promise.resolve();
  const mine = previous.then(fn, fn);
  const settled = mine.catch(() => undefined);
  decisionsInFlight.set(runId, settled);
  try {
    return await mine;
  } finally {
    if (decisionsInFlight.get(runId) === settled) decisionsInFlight.delete(runId);
  }
}

export const registerApprovals: RouteModule = (app) => {
  for (const verb of ['approve', 'reject'] as const) {
    app.openapi(route(verb), async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      if (body.run !== id) throw new Problem('validation_failed', `run: the body names "${body.run}" but the path names "${id}"; they must match`);
      if (body.decision !== verb) {
        throw new Problem('validation_failed', `decision: the signed body says "${body.decision}" but the path is /${verb}; they must match`);
      }
      const touched: { connector: string; target: string }[] = [];
      // Decisions on one run are serialized in this process (the run_decisions key covers other processes),
      // so an approve racing a reject sees the first one's outcome and answers 409.
      const response = await decisionLock(id, () => decide(c, id, verb, body.comment, touched));
      if (response.status === 200 && !response.headers.get('idempotency-replayed')) {
        for (const t of touched) void c.get('services').runtime?.reconciler.schedule(t.connector, t.target);
      }
      return response;
    });
  }
};

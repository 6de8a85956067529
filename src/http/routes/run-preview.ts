import { z } from '@hono/zod-openapi';
import { type RouteModule, signedRoute } from '../route.ts';
import { actionInputs } from '../../playbooks/inputs.ts';
import { type RunPlan, planRun } from '../../runs/planner.ts';
import type { Runtime } from '../../services.ts';
import { Problem } from '../problem.ts';
import { problems, readErrors } from './openapi-meta.ts';

/** The exact cloud operations a plan would make on each target now (what a dry run answers). */
export function previewPlan(runtime: Runtime, plan: RunPlan) {
  return Promise.all(
    plan.targets.map(async (t) => {
      const mine = (list: typeof plan.upserts) => list.filter((i) => i.connectorId === t.connector && i.targetId === t.target);
      const preview = await runtime.reconciler.preview(t.connector, t.target, mine(plan.upserts), mine(plan.retracts));
      return {
        connector: t.connector,
        target: t.target,
        operations: preview.changes.map((ch) => ({ op: ch.op, rule: ch.rule })),
        rejected: preview.invalid.map((v) => ({ op: v.change.op, problems: v.problems })),
        overflow: preview.plans.flatMap((p) => p.overflow),
      };
    }),
  );
}

const preview = signedRoute({ scope: 'runs:read', mutating: false }, {
  method: 'get',
  path: '/v1/runs/{id}/preview',
  operationId: 'previewRun',
  tags: ['approvals'],
  summary: 'What approving a waiting run would change on each target now (a dry run of its inputs)',
  description:
    'For a run in pending_approval: the cloud operations per target that approving it now would make, planned against the current intents and cloud state. Changes nothing and is not audited (a read).',
  request: { params: z.object({ id: z.string().max(80) }) },
  responses: {
    200: {
      description: 'The operations per target',
      content: {
        'application/json': {
          schema: z.object({
            run: z.string(),
            targets: z.array(
              z.object({
                connector: z.string(),
                target: z.string(),
                operations: z.array(z.object({ op: z.string(), rule: z.record(z.string(), z.unknown()) })),
                rejected: z.array(z.unknown()),
                overflow: z.array(z.unknown()),
              }),
            ),
          }),
          example: {
            run: 'run_0b0d7f7e-9c1a-4d52-8f3e-2a6b5c4d3e21',
            targets: [
              {
                connector: 'aws-sandbox',
                target: 'edge',
                operations: [{ op: 'create', rule: { direction: 'ingress', action: 'allow', protocol: 'tcp', ports: [{ from: 9000, to: 9000 }], placement: 'sg', cidrs: ['10.0.1.0/24'] } }],
                rejected: [],
                overflow: [],
              },
            ],
          },
        },
      },
    },
    ...problems([...readErrors(), 404], { 404: 'No such run', 409: 'The run is not waiting for approval' }),
  },
});

export const registerRunPreview: RouteModule = (app) => {
  app.openapi(preview, async (c) => {
    const services = c.get('services');
    const runtime = services.runtime;
    if (!runtime) throw new Problem('unavailable', 'this runtime has no playbooks configured');
    const { id } = c.req.valid('param');
    const run = await services.store.getRun(id);
    if (!run) throw new Problem('not_found', `no run ${id}`);
    if (run.status !== 'pending_approval') throw new Problem('run_not_pending', `run ${id} is ${run.status}; only a pending_approval run has a preview`);
    const playbook = runtime.playbooks.get(run.playbook);
    if (!playbook) throw new Problem('playbook_not_found', `playbook ${run.playbook} is no longer configured`);
    const inputs = actionInputs[playbook.action].parse(run.inputs);
    const plan = await planRun(playbook, inputs as never, {
      store: services.store,
      connectors: runtime.connectors,
      catalog: runtime.catalog,
      tiers: runtime.tiers,
      ...(runtime.traffic ? { traffic: runtime.traffic } : {}),
      ...(runtime.chains ? { chains: runtime.chains } : {}),
      now: services.clock.now(),
      runId: id,
    });
    return c.json({ run: id, targets: await previewPlan(runtime, plan) }, 200);
  });
};

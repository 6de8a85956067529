import { createRoute, z } from '@hono/zod-openapi';
import type { RouteModule } from '../route.ts';
import { Problem } from '../problem.ts';
import { problems, publicErrors } from './openapi-meta.ts';

const health = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  tags: ['operations'],
  summary: 'Liveness: the process answers',
  security: [],
  responses: {
    200: {
      description: 'Alive',
      content: {
        'application/json': {
          schema: z.object({ status: z.literal('ok'), version: z.string() }),
          example: { status: 'ok', version: '0.1.0' },
        },
      },
    },
    ...problems([500]),
  },
});

const ready = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'getReadiness',
  tags: ['operations'],
  summary: 'Readiness: the store is reachable; which leases this replica holds',
  description:
    'Ready (200) when the database answers. Every replica accepts signed calls, so a replica holding no lease is ready too: `replica.leases` says which targets it reconciles (`target:<connector>/<target>`) and `replica.cluster_tasks` whether it runs the cluster-wide timers (expiry, checkpoints, retention).',
  security: [],
  responses: {
    200: {
      description: 'Ready',
      content: {
        'application/json': {
          schema: z.object({
            status: z.literal('ready'),
            replica: z
              .object({
                id: z.string(),
                leases: z.array(z.string()),
                cluster_tasks: z.boolean(),
              })
              .optional(),
          }),
          example: { status: 'ready', replica: { id: 'node-a:4121:9f2c1e0d', leases: ['target:aws-sandbox/edge'], cluster_tasks: true } },
        },
      },
    },
    ...problems(publicErrors(), { 503: 'Store unreachable' }),
  },
});

export const registerHealth: RouteModule = (app) => {
  app.openapi(health, (c) => c.json({ status: 'ok' as const, version: c.get('services').version }, 200));
  app.openapi(ready, async (c) => {
    try {
      await c.get('services').store.ping();
    } catch {
      throw new Problem('unavailable', 'the store did not answer a ping');
    }
    const replica = c.get('services').replica?.status();
    return c.json(
      {
        status: 'ready' as const,
        ...(replica
          ? { replica: { id: replica.owner, leases: replica.leases.filter((l) => l.startsWith('target:')), cluster_tasks: replica.leases.includes('cluster') } }
          : {}),
      },
      200,
    );
  });
};

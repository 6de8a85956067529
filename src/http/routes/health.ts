import { createRoute, z } from '@hono/zod-openapi';
import type { RouteModule } from '../../app.ts';
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
  summary: 'Readiness: the store is reachable',
  security: [],
  responses: {
    200: {
      description: 'Ready',
      content: { 'application/json': { schema: z.object({ status: z.literal('ready') }), example: { status: 'ready' } } },
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
    return c.json({ status: 'ready' as const }, 200);
  });
};

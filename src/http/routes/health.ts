import { createRoute, z } from '@hono/zod-openapi';
import type { RouteModule } from '../../app.ts';
import { Problem } from '../problem.ts';

const health = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['operations'],
  summary: 'Liveness: the process answers',
  responses: {
    200: {
      description: 'Alive',
      content: { 'application/json': { schema: z.object({ status: z.literal('ok'), version: z.string() }) } },
    },
  },
});

const ready = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['operations'],
  summary: 'Readiness: the store is reachable',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: z.object({ status: z.literal('ready') }) } } },
    503: { description: 'Store unreachable (problem+json)' },
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

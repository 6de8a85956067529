import { z } from '@hono/zod-openapi';
import { type RouteModule, signedRoute } from '../http/route.ts';
import { problems, readErrors } from '../http/routes/openapi-meta.ts';
import type { ServiceMetrics } from './registry.ts';

const metricsRoute = signedRoute({ scope: 'runs:read', mutating: false }, {
  method: 'get',
  path: '/metrics',
  operationId: 'getMetrics',
  tags: ['operations'],
  summary: 'Prometheus metrics (text exposition format)',
  description:
    'Lead time per playbook, action and connector, approval wait, the approval backlog, auto-approved share (portcullis_runs_total by approval), cloud calls, throttles and errors per connector, reconcile pass duration and queue depth, intents by state, capacity used per target, audit head seq and last checkpoint age. Scope runs:read: point Prometheus at it with a bearer token (authorization.credentials_file).',
  responses: {
    200: {
      description: 'Prometheus exposition format 0.0.4',
      content: { 'text/plain': { schema: z.string(), example: '# TYPE portcullis_pending_approvals gauge\nportcullis_pending_approvals 1\n' } },
    },
    ...problems(readErrors()),
  },
});

/** GET /metrics, registered only by the Node composition (prom-client is Node-only). */
export function metricsRoutes(metrics: ServiceMetrics): RouteModule {
  return (app) => {
    app.openapi(metricsRoute, async (c) => c.text(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
  };
}

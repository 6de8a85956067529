/**
 * Outbound notifications: the outbox (GET /v1/notifications, dead letters with ?state=dead), the
 * redeliver endpoint, and /metrics (Prometheus text: outbox counts, export cursors and lag).
 */
import { z } from '@hono/zod-openapi';
import { type RouteModule, signedRoute } from '../route.ts';
import type { OutboxRow } from '../../notify/index.ts';
import { edgeEvent, runMutation } from '../admission.ts';
import { Problem } from '../problem.ts';
import { mutationErrors, problems, readErrors } from './openapi-meta.ts';

const READ = { scope: 'runs:read', mutating: false } as const;
const ADMIN = { scope: 'admin', mutating: true } as const;

const notificationSchema = z
  .object({
    id: z.string().openapi({ description: 'The webhook-id every delivery attempt of this notification carries.' }),
    subscription: z.string(),
    type: z.string(),
    state: z.enum(['pending', 'delivered', 'dead']),
    attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_status: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: z.string(),
    delivered_at: z.string().nullable(),
  })
  .openapi('Notification');

const EXAMPLE = {
  id: 'msg_3f9a0c1e-7b2d-4e8f-a6c5-1d2e3f4a5b6c',
  subscription: 'soc-approvals',
  type: 'run.pending_approval',
  state: 'dead' as const,
  attempts: 8,
  next_attempt_at: null,
  last_status: 503,
  last_error: 'the receiver answered 503',
  created_at: '2026-01-01T00:00:00.000Z',
  delivered_at: null,
};

const notificationJson = (r: OutboxRow) => ({
  id: r.id,
  subscription: r.subscription,
  type: r.eventType,
  state: r.state,
  attempts: r.attempts,
  next_attempt_at: r.state === 'pending' ? new Date(r.nextAttemptAt).toISOString() : null,
  last_status: r.lastStatus,
  last_error: r.lastError,
  created_at: new Date(r.createdAt).toISOString(),
  delivered_at: r.deliveredAt === null ? null : new Date(r.deliveredAt).toISOString(),
});

const listNotifications = signedRoute(READ, {
  method: 'get',
  path: '/v1/notifications',
  operationId: 'listNotifications',
  tags: ['notifications'],
  summary: 'Outbound notifications, newest first; ?state=dead lists the dead letters',
  request: {
    query: z
      .object({ state: z.enum(['pending', 'delivered', 'dead']).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) })
      .strict(),
  },
  responses: {
    200: {
      description: 'Notifications',
      content: { 'application/json': { schema: z.object({ notifications: z.array(notificationSchema) }), example: { notifications: [EXAMPLE] } } },
    },
    ...problems(readErrors(), { 503: 'No notifications are configured' }),
  },
});

const redeliver = signedRoute(ADMIN, {
  method: 'post',
  path: '/v1/notifications/{id}/redeliver',
  operationId: 'redeliverNotification',
  tags: ['notifications'],
  summary: 'Send a dead-lettered (or delivered) notification again, with the same webhook-id and a fresh attempt budget',
  request: {
    params: z.object({ id: z.string().max(80) }),
    body: { content: { 'application/json': { schema: z.object({ id: z.string() }).strict(), example: { id: EXAMPLE.id } } }, required: true },
  },
  responses: {
    200: {
      description: 'Queued again',
      content: { 'application/json': { schema: notificationSchema, example: { ...EXAMPLE, state: 'pending', attempts: 0 } } },
    },
    ...problems([...mutationErrors(), 404], { 404: 'No such notification', 409: 'Already pending, or a reused webhook-id', 503: 'No notifications are configured' }),
  },
});

// GET /metrics (with the notification and export-lag gauges that were here) is src/metrics/route.ts.

export const registerNotifications: RouteModule = (app) => {
  app.openapi(listNotifications, async (c) => {
    const outbox = c.get('services').notifications?.outbox;
    if (!outbox) throw new Problem('unavailable', 'no notifications are configured (notifications: in the config)');
    const { state, limit } = c.req.valid('query');
    return c.json({ notifications: (await outbox.list(state, limit)).map(notificationJson) }, 200);
  });

  app.openapi(redeliver, async (c) => {
    const services = c.get('services');
    const outbox = services.notifications?.outbox;
    if (!outbox) throw new Problem('unavailable', 'no notifications are configured (notifications: in the config)');
    const { id } = c.req.valid('param');
    if (c.req.valid('json').id !== id) throw new Problem('validation_failed', `id: the body names "${c.req.valid('json').id}" but the path names "${id}"; they must match`);
    return runMutation(c, async () => {
      const row = await outbox.get(id);
      if (!row) throw new Problem('not_found', `no notification ${id}`);
      if (!(await outbox.redeliver(id, services.clock.now()))) throw new Problem('run_not_pending', `notification ${id} is already pending`);
      const again = (await outbox.get(id)) ?? row;
      services.notifications?.kick();
      return {
        status: 200,
        body: notificationJson(again),
        work: { audit: [edgeEvent(c, 'notification.redeliver', 'success', { id, subscription: row.subscription, previous_state: row.state })] },
      };
    });
  });

};

import { z } from '@hono/zod-openapi';
import { type RouteModule, signedRoute } from '../route.ts';
import { changesReport } from '../../metrics/report.ts';
import { problems, readErrors } from './openapi-meta.ts';

const quantiles = z.object({ count: z.number(), p50: z.number().nullable(), p95: z.number().nullable(), max: z.number().nullable() });

const changesRoute = signedRoute({ scope: 'runs:read', mutating: false }, {
  method: 'get',
  path: '/v1/reports/changes',
  operationId: 'getChangesReport',
  tags: ['reports'],
  summary: 'Time to secure deployment: lead time p50/p95 per week, auto-approved share, approval backlog',
  description:
    'From the audit log: for runs received in the window, the time from the call to its changes applied on every target (approval wait included), p50/p95 (nearest rank) per ISO week and per connector; the share of runs applied without a person; and the runs waiting for approval now with their age.',
  request: {
    query: z.object({
      weeks: z.coerce.number().int().min(1).max(52).default(12).openapi({ description: 'Weeks back, this week included (1-52, default 12)' }),
    }),
  },
  responses: {
    200: {
      description: 'The report',
      content: {
        'application/json': {
          schema: z.object({
            generated_at: z.string(),
            window: z.object({ since: z.string(), until: z.string(), weeks: z.number() }),
            weeks: z.array(
              z.object({
                week: z.string(),
                starts: z.string(),
                runs_received: z.number(),
                runs_applied: z.number(),
                auto_approved_share: z.number().nullable(),
                lead_time_seconds: quantiles,
              }),
            ),
            totals: z.object({ runs_received: z.number(), runs_applied: z.number(), auto_approved_share: z.number().nullable(), lead_time_seconds: quantiles, approval_wait_seconds: quantiles }),
            by_connector: z.array(z.object({ connector: z.string(), lead_time_seconds: quantiles })),
            backlog: z.object({ pending_approvals: z.number(), oldest_age_seconds: z.number(), median_age_seconds: z.number() }),
          }),
          example: {
            generated_at: '2026-12-02T18:00:00.000Z',
            window: { since: '2026-11-30T00:00:00.000Z', until: '2026-12-02T18:00:00.000Z', weeks: 1 },
            weeks: [{ week: '2026-W49', starts: '2026-11-30T00:00:00.000Z', runs_received: 4, runs_applied: 4, auto_approved_share: 0.75, lead_time_seconds: { count: 4, p50: 2, p95: 120, max: 120 } }],
            totals: { runs_received: 4, runs_applied: 4, auto_approved_share: 0.75, lead_time_seconds: { count: 4, p50: 2, p95: 120, max: 120 }, approval_wait_seconds: { count: 1, p50: 118, p95: 118, max: 118 } },
            by_connector: [{ connector: 'aws-sandbox', lead_time_seconds: { count: 4, p50: 2, p95: 120, max: 120 } }],
            backlog: { pending_approvals: 0, oldest_age_seconds: 0, median_age_seconds: 0 },
          },
        },
      },
    },
    ...problems([...readErrors(), 400]),
  },
});

export const registerReports: RouteModule = (app) => {
  app.openapi(changesRoute, async (c) => {
    const { store, clock } = c.get('services');
    return c.json(await changesReport(store, clock.now(), c.req.valid('query').weeks), 200);
  });
};

import { z } from '@hono/zod-openapi';
import { type RouteModule, signedRoute } from '../route.ts';
import { Problem } from '../problem.ts';
import { placementOf } from '../../reconcile/chains.ts';
import { problems, readErrors } from './openapi-meta.ts';
import { RUN_EXAMPLE, runJson, runSchema } from './run-view.ts';


const getRun = signedRoute({ scope: 'runs:read', mutating: false }, {
  method: 'get',
  path: '/v1/runs/{id}',
  operationId: 'getRun',
  tags: ['runs'],
  summary: 'One run with its per-target state',
  request: { params: z.object({ id: z.string().max(80) }) },
  responses: {
    200: { description: 'The run', content: { 'application/json': { schema: runSchema, example: RUN_EXAMPLE } } },
    ...problems([...readErrors(), 404], { 404: 'No such run' }),
  },
});

const STATUSES = ['pending', 'applied', 'partially_applied', 'failed', 'pending_approval', 'rejected', 'approval_expired'] as const;

const listRuns = signedRoute({ scope: 'runs:read', mutating: false }, {
  method: 'get',
  path: '/v1/runs',
  operationId: 'listRuns',
  tags: ['runs'],
  summary: 'Runs, newest first, with filters and a cursor',
  request: {
    query: z.object({
      status: z.enum(STATUSES).optional(),
      playbook: z.string().max(63).optional(),
      client: z.string().max(63).optional(),
      cursor: z.string().max(200).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: {
    200: {
      description: 'A page of runs; `next_cursor` when more exist',
      content: {
        'application/json': {
          schema: z.object({ runs: z.array(runSchema), next_cursor: z.string().nullable() }),
          example: { runs: [RUN_EXAMPLE], next_cursor: null },
        },
      },
    },
    ...problems(readErrors()),
  },
});

const blocks = signedRoute({ scope: 'runs:read', mutating: false }, {
  method: 'get',
  path: '/v1/blocks',
  operationId: 'listBlocks',
  tags: ['runs'],
  summary: 'Active blocks with expiry and per-target state',
  responses: {
    200: {
      description: 'Active blocks',
      content: {
        'application/json': {
          schema: z.object({
            blocks: z.array(
              z.object({
                cidr: z.string(),
                direction: z.string(),
                expires_at: z.string().nullable(),
                offenses: z.number(),
                targets: z.array(
                  z.object({
                    connector: z.string(),
                    target: z.string(),
                    state: z.string(),
                    error: z.string().nullable(),
                    run: z.string(),
                    chain: z.string().nullable().openapi({ description: 'The placement chain the block goes through (null: this target only)' }),
                    points: z.array(z.string()).openapi({ description: 'Where the block holds now, as `<connector>/<target>`: the target itself, or the points of its chain' }),
                  }),
                ),
              }),
            ),
          }),
          example: {
            blocks: [
              {
                cidr: '203.0.113.7/32',
                direction: 'ingress',
                expires_at: '2026-01-02T00:00:00.000Z',
                offenses: 1,
                targets: [
                  {
                    connector: 'aws-sandbox',
                    target: 'edge',
                    state: 'applied',
                    error: null,
                    run: 'run_0b0d7f7e-9c1a-4d52-8f3e-2a6b5c4d3e21',
                    chain: 'aws-edge',
                    points: ['aws-waf-sandbox/edge'],
                  },
                ],
              },
            ],
          },
        },
      },
    },
    ...problems(readErrors()),
  },
});

const encodeCursor = (createdAt: number, id: string) => btoa(JSON.stringify([createdAt, id]));
function decodeCursor(cursor: string): { createdAt: number; id: string } {
  try {
    const [createdAt, id] = JSON.parse(atob(cursor)) as [unknown, unknown];
    if (typeof createdAt === 'number' && typeof id === 'string') return { createdAt, id };
  } catch {}
  throw new Problem('invalid_query', 'cursor: not a cursor this API issued (use next_cursor from a previous page)');
}

export const registerRunReads: RouteModule = (app) => {
  app.openapi(getRun, async (c) => {
    const run = await c.get('services').store.getRun(c.req.valid('param').id);
    if (!run) throw new Problem('not_found', `no run ${c.req.valid('param').id}`);
    return c.json(runJson(run), 200);
  });
  app.openapi(listRuns, async (c) => {
    const q = c.req.valid('query');
    const runs = await c.get('services').store.listRuns({
      ...(q.status ? { status: q.status } : {}),
      ...(q.playbook ? { playbook: q.playbook } : {}),
      ...(q.client ? { clientId: q.client } : {}),
      ...(q.cursor ? { before: decodeCursor(q.cursor) } : {}),
      limit: q.limit,
    });
    const last = runs.at(-1);
    return c.json({ runs: runs.map(runJson), next_cursor: runs.length === q.limit && last ? encodeCursor(last.createdAt, last.id) : null }, 200);
  });
  app.openapi(blocks, async (c) => {
    const intents = await c.get('services').store.activeIntents('deny');
    const byCidr = new Map<string, (typeof intents)[number][]>();
    for (const i of intents) {
      const key = `${i.spec.cidr}|${i.spec.direction}`;
      const group = byCidr.get(key);
      if (group) group.push(i);
      else byCidr.set(key, [i]);
    }
    return c.json(
      {
        blocks: [...byCidr.values()].map((group) => {
          const first = group[0]!;
          const expiry = Math.max(...group.map((g) => g.expiresAt ?? Number.POSITIVE_INFINITY));
          return {
            cidr: first.spec.cidr ?? '',
            direction: first.spec.direction ?? 'ingress',
            expires_at: Number.isFinite(expiry) ? new Date(expiry).toISOString() : null,
            offenses: Math.max(...group.map((g) => g.offenses)),
            targets: group.map((g) => ({
              connector: g.connectorId,
              target: g.targetId,
              state: g.state,
              error: g.error ?? null,
              run: g.runId,
              chain: g.spec.chain ?? null,
              points: g.spec.chain ? placementOf(g, `${g.connectorId}/${g.targetId}`) : g.state === 'applied' ? [`${g.connectorId}/${g.targetId}`] : [],
            })),
          };
        }),
      },
      200,
    );
  });
};

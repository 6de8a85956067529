import { z } from '@hono/zod-openapi';
import { type RouteModule, signedRoute } from '../route.ts';
import { type IpAddress, formatIp, tryParseCidr } from '../../net/index.ts';
import { decodeBlockCursor, encodeBlockCursor } from '../../runs/block-keys.ts';
import { Problem } from '../problem.ts';
import { isoTime } from './audit.ts';
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

const BLOCK_STATES = ['pending', 'applied', 'failed'] as const;
const BLOCK_LIMIT_DEFAULT = 100;
const BLOCK_LIMIT_MAX = 1000;

const blockSchema = z.object({
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
});

const BLOCK_EXAMPLE = {
  cidr: '203.0.113.0/24',
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
};

const blocks = signedRoute({ scope: 'runs:read', mutating: false }, {
  method: 'get',
  path: '/v1/blocks',
  operationId: 'listBlocks',
  tags: ['runs'],
  summary: 'Active blocks with expiry and per-target state: pages, filters, and "is this address blocked?"',
  description:
    'Blocks in address order (IPv4 before IPv6, then network address, prefix length, direction), a page at a time: follow `next` (or pass `next_cursor` as `cursor`) until it is null. The cursor is a position in that order, so blocks added or removed meanwhile never repeat or hide the others. Filters select per-target entries: a block is listed with the targets that match, and only when one does. `ip` answers whether and where an address is blocked: the blocks whose CIDR contains it (read from an index, at most 33 or 129 probes), with `blocked` true when one of them is applied on a target.',
  request: {
    query: z
      .object({
        cursor: z.string().max(200).optional().openapi({ description: 'The `next_cursor` of the previous page.' }),
        limit: z.coerce
          .number()
          .int()
          .min(1)
          .max(BLOCK_LIMIT_MAX)
          .default(BLOCK_LIMIT_DEFAULT)
          .openapi({ description: `Blocks per page, 1 to ${BLOCK_LIMIT_MAX} (default ${BLOCK_LIMIT_DEFAULT}).` }),
        ip: z.string().max(64).optional().openapi({ description: 'An IPv4 or IPv6 address (no prefix): only the blocks containing it.', example: '203.0.113.7' }),
        target: z
          .string()
          .max(200)
          .optional()
          .openapi({ description: 'A connector id (`aws-sandbox`) or one of its targets (`aws-sandbox/edge`).' }),
        state: z.enum(BLOCK_STATES).optional().openapi({ description: 'The per-target state.' }),
        expires_before: z.string().max(40).optional().openapi({ description: 'ISO-8601 time: only blocks expiring before it.' }),
        incident: z.string().max(128).optional().openapi({ description: 'The `incident_id` (or `ticket`) of the run that last asked for the block.' }),
        client: z.string().max(63).optional().openapi({ description: 'The client of the run that last asked for the block.' }),
      })
      .strict(),
  },
  responses: {
    200: {
      description: 'A page of active blocks; `next` and `next_cursor` when more may follow',
      content: {
        'application/json': {
          schema: z.object({
            blocks: z.array(blockSchema),
            next_cursor: z.string().nullable(),
            next: z.string().nullable().openapi({ description: 'The next page, with the same filters (a relative URL).' }),
            ip: z.string().optional().openapi({ description: 'With `ip`: the address, canonical.' }),
            blocked: z.boolean().optional().openapi({ description: 'With `ip`: true when a block containing it is applied on at least one target.' }),
          }),
          examples: {
            page: { summary: 'A page of blocks', value: { blocks: [BLOCK_EXAMPLE], next_cursor: 'YjEuNGNiMDA3MTAwMThp', next: '/v1/blocks?limit=1&cursor=YjEuNGNiMDA3MTAwMThp' } },
            address: {
              summary: 'GET /v1/blocks?ip=203.0.113.7',
              value: { blocks: [BLOCK_EXAMPLE], next_cursor: null, next: null, ip: '203.0.113.7', blocked: true },
            },
          },
        },
      },
    },
    ...problems(readErrors(), { 400: 'A bad cursor, filter, address or limit' }),
  },
});

function decodeCursorParam(cursor: string): string {
  const key = decodeBlockCursor(cursor);
  if (key !== undefined) return key;
  throw new Problem('invalid_query', 'cursor: not a cursor this API issued (use next_cursor or next from a previous page)');
}

function blockAddress(text: string): IpAddress {
  const refuse = (why: string): never => {
    throw new Problem('invalid_query', `ip: ${why}; expected one IPv4 or IPv6 address such as 203.0.113.7 or 2001:db8::7, without a prefix`);
  };
  if (text.includes('/')) refuse(`"${text.slice(0, 64)}" has a prefix length`);
  const parsed = tryParseCidr(text);
  if (!parsed.ok) return refuse(`${parsed.error.problem} in "${text.slice(0, 64)}"`);
  return { family: parsed.cidr.family, value: parsed.cidr.network };
}

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
    const q = c.req.valid('query');
    const address = q.ip === undefined ? undefined : blockAddress(q.ip);
    const [connectorId, ...targetParts] = q.target === undefined ? [] : q.target.split('/');
    if (q.target !== undefined && (!connectorId || (targetParts.length && !targetParts.join('/')))) {
      throw new Problem('invalid_query', `target: expected a connector id or <connector>/<target>, got "${q.target.slice(0, 80)}"`);
    }
    const expiresBefore = isoTime('expires_before', q.expires_before);
    const page = await c.get('services').store.listBlocks({
      ...(q.cursor !== undefined ? { after: decodeCursorParam(q.cursor) } : {}),
      limit: q.limit,
      ...(connectorId ? { connectorId } : {}),
      ...(targetParts.length ? { targetId: targetParts.join('/') } : {}),
      ...(q.state ? { state: q.state } : {}),
      ...(expiresBefore !== undefined ? { expiresBefore: Date.parse(expiresBefore) } : {}),
      ...(q.incident !== undefined ? { incident: q.incident } : {}),
      ...(q.client !== undefined ? { clientId: q.client } : {}),
      ...(address ? { containing: address } : {}),
    });
    const list = page.blocks.map(({ cidr, direction, intents: group }) => {
      const expiry = Math.max(...group.map((g) => g.expiresAt ?? Number.POSITIVE_INFINITY));
      return {
        cidr,
        direction,
        expires_at: Number.isFinite(expiry) ? new Date(expiry).toISOString() : null,
        offenses: Math.max(...group.map((g) => g.offenses)),
        targets: group.map((g) => ({
          connector: g.connectorId,
          target: g.targetId,
          state: g.state,
          error: g.error ?? null,
          run: g.runId,
          chain: g.chain ?? null,
          points: g.points ?? (g.state === 'applied' ? [`${g.connectorId}/${g.targetId}`] : []),
        })),
      };
    });
    const nextCursor = page.next === undefined ? null : encodeBlockCursor(page.next);
    let next: string | null = null;
    if (nextCursor) {
      const url = new URL(c.req.url);
      url.searchParams.set('cursor', nextCursor);
      next = `${url.pathname}${url.search}`;
    }
    return c.json(
      {
        blocks: list,
        next_cursor: nextCursor,
        next,
        ...(address
          ? { ip: formatIp(address), blocked: list.some((b) => b.targets.some((t) => t.state === 'applied')) }
          : {}),
      },
      200,
    );
  });
};

import { z } from '@hono/zod-openapi';
import type { RunView } from '../../runs/types.ts';

export const runSchema = z
  .object({
    id: z.string(),
    playbook: z.string(),
    action: z.string(),
    client: z.string(),
    status: z.enum(['pending', 'applied', 'partially_applied', 'failed', 'pending_approval', 'rejected', 'approval_expired']),
    created_at: z.string(),
    updated_at: z.string(),
    inputs: z.record(z.string(), z.unknown()),
    targets: z.array(
      z.object({
        connector: z.string(),
        target: z.string(),
        state: z.enum(['pending', 'applied', 'failed', 'partially_applied']),
        intents: z.number(),
        errors: z.array(z.string()),
        /** Present when the target heads a placement chain: how many of the run's blocks hold on each point. */
        points: z
          .array(z.object({ point: z.string().openapi({ example: 'aws-waf-sandbox/edge' }), intents: z.number() }))
          .optional()
          .openapi({ description: 'Where the blocks of a placement chain hold: the run\'s intents per point (`<connector>/<target>`)' }),
      }),
    ),
    decision: z.record(z.string(), z.unknown()).optional(),
    links: z.object({ self: z.string() }),
  })
  .openapi('Run');

/** A run as GET /v1/runs/{id} answers it (the documentation's example). */
export const RUN_EXAMPLE: z.infer<typeof runSchema> = {
  id: 'run_5d9c2f64-3b1e-4a7a-9f0e-8c1d2b3a4e5f',
  playbook: 'block-ip',
  action: 'block',
  client: 'soar',
  status: 'applied',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:01.250Z',
  inputs: { indicators: ['203.0.113.7'], ttl: '24h', reason: 'phishing C2' },
  targets: [{ connector: 'aws-sandbox', target: 'edge', state: 'applied', intents: 1, errors: [] }],
  decision: { decision: 'approve', reasons: ['blocks auto-approve within guardrails'], policies: [] },
  links: { self: '/v1/runs/run_5d9c2f64-3b1e-4a7a-9f0e-8c1d2b3a4e5f' },
};

export type RunJson = z.infer<typeof runSchema>;

export function runJson(v: RunView): RunJson {
  return {
    id: v.id,
    playbook: v.playbook,
    action: v.action,
    client: v.clientId,
    status: v.status,
    created_at: new Date(v.createdAt).toISOString(),
    updated_at: new Date(v.updatedAt).toISOString(),
    inputs: v.inputs,
    targets: v.perTarget,
    ...(v.decision ? { decision: v.decision } : {}),
    links: { self: `/v1/runs/${v.id}` },
  };
}

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
      }),
    ),
    decision: z.record(z.string(), z.unknown()).optional(),
    links: z.object({ self: z.string() }),
  })
  .openapi('Run');

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

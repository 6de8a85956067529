import { z } from 'zod';
import { tryParseCidr } from '../net/cidr.ts';
import { durationSchema, type PlaybookAction } from './schema.ts';

const oneOrMany = <T extends z.ZodTypeAny>(item: T) =>
  z.union([item, z.array(item).min(1, 'at least one')]).transform((v) => (Array.isArray(v) ? v : [v]) as z.infer<T>[]);

const indicator = z.string().superRefine((text, ctx) => {
  const parsed = tryParseCidr(text);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `"${text.slice(0, 80)}" is not an IPv4/IPv6 address or CIDR: ${parsed.error}` });
});

const reason = z.string().max(500, 'at most 500 characters').optional();
const incident = z.string().max(128, 'at most 128 characters').optional();
const direction = z.enum(['ingress', 'egress', 'both']).optional();
const protocol = z.enum(['tcp', 'udp', 'icmp', 'all']);
const portRange = z
  .union([
    z.number().int().min(0).max(65535),
    z.string().regex(/^\d{1,5}(-\d{1,5})?$/, 'a port ("443") or range ("8000-8080")'),
  ])
  .transform((v, ctx) => {
    const [from, to = from] = String(v).split('-').map(Number) as [number, number?];
    if (from > 65535 || (to as number) > 65535 || from > (to as number)) {
      ctx.addIssue({ code: 'custom', message: 'ports are 0-65535 with from <= to' });
      return z.NEVER;
    }
    return { from, to: to as number };
  });
const host = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/, 'an instance id, VM or NIC name');

const allowInputs = z
  .object({
    from: oneOrMany(z.string().min(1)).describe('a tier name from the config, or CIDRs'),
    to: z.string().min(1, 'a tier name from the config').describe('the tier whose targets open the port'),
    protocol: protocol.default('tcp'),
    port: portRange.optional(),
    ttl: durationSchema.optional(),
    reason,
    ticket: incident,
  })
  .strict();

/** The inputs each action accepts; a playbook's `inputs` list can narrow them. */
export const actionInputs = {
  block: z
    .object({ indicators: oneOrMany(indicator), ttl: durationSchema.optional(), direction, protocol: protocol.optional(), reason, incident_id: incident })
    .strict(),
  unblock: z.object({ indicators: oneOrMany(indicator), direction, reason, incident_id: incident }).strict(),
  allow: allowInputs,
  revoke: allowInputs,
  quarantine: z.object({ host, connector: z.string().optional(), reason, incident_id: incident }).strict(),
  release: z.object({ host, connector: z.string().optional(), reason, incident_id: incident }).strict(),
  cleanup: z
    .object({
      connector: z.string().min(1, 'the connector whose target is cleaned'),
      target: z.string().min(1, 'the target id'),
      /** Finding kinds to fix (default: duplicate, redundant, expired: the ones safe without a choice). */
      kinds: z.array(z.enum(['duplicate', 'redundant', 'expired', 'shadowed', 'unused', 'narrow'])).min(1).optional(),
      reason,
      ticket: incident,
    })
    .strict(),
  adopt: z
    .object({
      connector: z.string().min(1, 'the connector whose target holds the rules'),
      target: z.string().min(1, 'the target id'),
      /** Cloud ids of the foreign rules (GET /v1/connectors/{id}/analysis lists them as cloud_id). */
      rules: z.array(z.string().min(1).max(512)).min(1, 'at least one rule').max(100, 'at most 100 rules per run'),
      reason,
      ticket: incident,
    })
    .strict(),
} satisfies Record<PlaybookAction, z.ZodTypeAny>;

export type ActionInputs = { [A in PlaybookAction]: z.infer<(typeof actionInputs)[A]> };

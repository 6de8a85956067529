import { z } from 'zod';
import type { NormalizedRule } from '../connectors/types.ts';
import { canonicalCidr, tryParseCidr } from '../net/cidr.ts';

const port = z.number().int().min(0).max(65_535);

/** A NormalizedRule as read from a file (`portcullis analyze --rules F`): checked at the edge, CIDRs canonicalised. */
export const normalizedRuleSchema = z
  .object({
    direction: z.enum(['ingress', 'egress']),
    action: z.enum(['allow', 'deny']),
    protocol: z.enum(['tcp', 'udp', 'icmp', 'all']),
    ports: z
      .array(z.object({ from: port, to: port }).refine((p) => p.from <= p.to, 'from <= to'))
      .default([]),
    cidrs: z
      .array(z.string().refine((c) => tryParseCidr(c, { hostBits: 'mask' }).ok, 'an IPv4/IPv6 CIDR such as "10.0.0.0/16"'))
      .default([])
      .transform((list) => list.map((c) => canonicalCidr(c, { hostBits: 'mask' }))),
    priority: z.number().int().min(0).default(0),
    placement: z.enum(['nacl', 'sg', 'nsg', 'firewall', 'nfw', 'wafv2']),
    sourceGroup: z.string().optional(),
    cloudId: z.string().optional(),
    owned: z.boolean().default(false),
    intentIds: z.array(z.string()).optional(),
    description: z.string().optional(),
    builtIn: z.boolean().optional(),
  })
  .strict();

/** A JSON array of rules, or `{ "rules": [...] }` (the shape GET /v1/connectors/{id}/analysis can echo). */
export const normalizedRulesSchema = z.union([
  z.array(normalizedRuleSchema),
  z.object({ rules: z.array(normalizedRuleSchema) }).transform((v) => v.rules),
]);

// Compile-time check that a parsed rule is a NormalizedRule.
const _parsedIsNormalized = (r: z.infer<typeof normalizedRuleSchema>): NormalizedRule => r;
void _parsedIsNormalized;

import { z } from 'zod';
import { tryParseCidr } from '../net/cidr.ts';
import { SCOPES } from '../config/schema.ts';

/** "90s", "30m", "24h", "7d" or a number of seconds, as milliseconds. */
export const durationSchema = z
  .union([
    z.number().int().positive('a positive number of seconds'),
    z.string().regex(/^\d{1,7}(s|m|h|d)$/, 'a duration such as "30m", "24h" or "7d"'),
  ])
  .transform((v) => (typeof v === 'number' ? v * 1000 : parseDuration(v)))
  .refine((ms) => ms <= MAX_DURATION_MS, 'at most 3650 days');

/** Ten years: longer than any block should live, and far inside what a Date can hold. */
export const MAX_DURATION_MS = 3650 * 86_400_000;

export function parseDuration(text: string): number {
  const n = Number(text.slice(0, -1));
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[text.slice(-1) as 's' | 'm' | 'h' | 'd'];
  return n * unit;
}

const cidrText = z.string().refine((s) => tryParseCidr(s).ok, 'an IPv4/IPv6 address or CIDR');

export const ACTIONS = ['block', 'unblock', 'allow', 'revoke', 'quarantine', 'release', 'cleanup', 'adopt'] as const;
export type PlaybookAction = (typeof ACTIONS)[number];

/** The scope a client needs to run a playbook of each action, unless the playbook names another. */
export const DEFAULT_SCOPE: Record<PlaybookAction, (typeof SCOPES)[number]> = {
  block: 'block',
  unblock: 'unblock',
  allow: 'allow',
  revoke: 'allow',
  quarantine: 'quarantine',
  release: 'release',
  // A cleanup removes rules found redundant by the analysis: an operator's change, not a responder's.
  cleanup: 'admin',
  // Adoption puts rules nobody asked the service for under its control: an operator's change too.
  adopt: 'admin',
};

export const targetRefSchema = z
  .object({
    connector: z.string().min(1, 'a connector id from portcullis.config.yaml'),
    /** A target id of that connector, or "*" for all its targets. */
    target: z.string().min(1, 'a target id, or "*" for every target of the connector'),
  })
  .strict();

const guardrailsSchema = z
  .object({
    /** Ranges that must never be blocked (our management and partner ranges): any overlap refuses. */
    neverBlock: z.array(cidrText).default([]),
    /** The widest prefix accepted, per family: nothing wider than /16 by default for IPv4. */
    widestPrefix: z
      .object({ ipv4: z.number().int().min(0).max(32).default(16), ipv6: z.number().int().min(0).max(128).default(48) })
      .strict()
      .default({ ipv4: 16, ipv6: 48 }),
    /** Refuse indicators inside reserved ranges of these kinds (see src/net/reserved.ts). */
    refuseReserved: z
      .array(
        z.enum([
          'private',
          'shared',
          'loopback',
          'link-local',
          'multicast',
          'documentation',
          'benchmarking',
          'unspecified',
          'broadcast',
          'translation',
          'reserved',
        ]),
      )
      .default(['private', 'shared', 'loopback', 'link-local', 'multicast', 'unspecified', 'broadcast', 'translation']),
    maxTtl: durationSchema.optional(),
    /** Most indicators in one call. */
    maxIndicators: z.number().int().min(1).max(10_000).default(1_000),
  })
  .strict();

export const playbookSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lowercase letters, digits and -, starting with a letter'),
    description: z.string().min(1, 'what the playbook does, for reviewers'),
    action: z.enum(ACTIONS),
    scope: z.enum(SCOPES).optional(),
    /** auto: applies within guardrails; policy: the policy decides; manual: always waits for a second person. */
    approval: z.enum(['auto', 'policy', 'manual']).default('auto'),
    /** The inputs callers may send (a subset of what the action accepts); all of them when absent. */
    inputs: z.array(z.string()).optional(),
    targets: z.array(targetRefSchema).min(1, 'at least one target'),
    /** A placement chain (config `placementChains`) whose head is one of the targets: blocks there go through it. */
    chain: z.string().min(1).optional(),
    defaults: z
      .object({
        ttl: durationSchema.optional(),
        direction: z.enum(['ingress', 'egress', 'both']).default('ingress'),
        protocol: z.enum(['tcp', 'udp', 'icmp', 'all']).default('all'),
      })
      .strict()
      .default({ direction: 'ingress', protocol: 'all' }),
    guardrails: guardrailsSchema.default({
      neverBlock: [],
      widestPrefix: { ipv4: 16, ipv6: 48 },
      refuseReserved: ['private', 'shared', 'loopback', 'link-local', 'multicast', 'unspecified', 'broadcast', 'translation'],
      maxIndicators: 1000,
    }),
    /** Re-blocking an active indicator extends it; the nth offence gets escalate[n-1] (the last entry repeats). */
    repeatOffenders: z.object({ escalate: z.array(durationSchema).min(1) }).strict().optional(),
  })
  .strict()
  .refine((p) => p.action !== 'adopt' || p.approval === 'manual', {
    message: 'an adopt playbook takes rules nobody asked the service for: approval must be manual (a second person)',
    path: ['approval'],
  });

export type Playbook = z.infer<typeof playbookSchema>;
export type Guardrails = Playbook['guardrails'];

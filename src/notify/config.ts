import { z } from 'zod';
import { secretRefSchema } from '../config/secret.ts';

/** The events a subscription can ask for. */
export const NOTIFY_EVENTS = [
  'run.pending_approval',
  'run.applied',
  'run.failed',
  'run.partially_applied',
  'capacity.exceeded',
  'drift.healed',
  'audit.verify_failed',
] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

const subscriptionSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes'),
    /** https (plain http and private or loopback addresses only with sandbox: true). */
    url: z.url({ error: 'an absolute URL' }),
    events: z.array(z.enum(NOTIFY_EVENTS)).min(1),
    /** standard-webhooks: the signed JSON envelope; slack: a Slack incoming-webhook message (still signed). */
    format: z.enum(['standard-webhooks', 'slack']).default('standard-webhooks'),
    /** The whsec_ secret the receiver verifies with (sandboxValue only in the sandbox). */
    secret: z.union([secretRefSchema, z.object({ sandboxValue: z.string().startsWith('whsec_', 'a whsec_ secret') }).strict()]),
  })
  .strict();

/** `notifications:` signed webhooks out, delivered at least once from a durable outbox. */
export const notificationsSchema = z
  .object({
    subscriptions: z.array(subscriptionSchema).default([]),
    /** Attempts before a notification is dead-lettered. */
    maxAttempts: z.number().int().min(1).max(50).default(8),
    /** Backoff before attempt n+1: min(maxBackoff, base * 2^(n-1)) seconds, with jitter. */
    backoffSeconds: z.number().min(0.01).max(3600).default(5),
    maxBackoffSeconds: z.number().min(0.01).max(86_400).default(3600),
    /** A receiver slower than this is a failed attempt (the edge never waits on it). */
    timeoutMs: z.number().int().min(100).max(60_000).default(5000),
    /** How often the audit log is read for new events and due deliveries are sent. */
    pollIntervalMs: z.number().int().min(10).max(60_000).default(1000),
    /**
     * Private ranges (CIDRs) deliveries may reach outside the sandbox, e.g. an internal receiver at
     * 10.20.0.0/16. Everything else internal (loopback, private, link-local/metadata, CGNAT...) is
     * refused at start and at every connect.
     */
    allowNetworks: z.array(z.string().min(1)).default([]),
    /**
     * capacity.exceeded: sent when a target's deny capacity in use (active blocks / what the owned
     * rules can hold) reaches `thresholdPercent`, once per crossing; re-armed when use falls below
     * `rearmPercent` (defaults to the threshold).
     */
    capacity: z
      .object({
        thresholdPercent: z.number().gt(0).max(100).default(80),
        rearmPercent: z.number().gt(0).max(100).optional(),
        /** How often use is compared with the threshold (it reads every active block). */
        checkIntervalSeconds: z.number().min(0).max(3600).default(30),
      })
      .strict()
      .refine((c) => c.rearmPercent === undefined || c.rearmPercent <= c.thresholdPercent, { message: 'rearmPercent must not exceed thresholdPercent' })
      .default({ thresholdPercent: 80, checkIntervalSeconds: 30 }),
    /** How often the audit chain is verified (audit.verify_failed); 0 turns it off. */
    verifyIntervalSeconds: z.number().int().min(0).max(86_400).default(3600),
  })
  .strict();

export type NotificationsConfig = z.infer<typeof notificationsSchema>;
export type SubscriptionConfig = NotificationsConfig['subscriptions'][number];

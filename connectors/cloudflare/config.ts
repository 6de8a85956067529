import { z } from 'zod';
import { secretRefSchema } from '../../src/config/secret.ts';

/**
 * Items across all custom lists of an account, per plan (developers.cloudflare.com/waf/tools/lists/,
 * "Availability"): 10,000 on Free, Pro and Business, 500,000 on Enterprise.
 */
export const CLOUDFLARE_PLAN_ITEMS = { free: 10_000, pro: 10_000, business: 10_000, enterprise: 500_000 } as const;
export type CloudflarePlan = keyof typeof CLOUDFLARE_PLAN_ITEMS;

/** Account, zone and ruleset ids are 32 lower-case hex characters. */
const cloudflareId = (what: string) => z.string().regex(/^[0-9a-f]{32}$/, `${what} must be a Cloudflare id: 32 lower-case hex characters`);

export const cloudflareTargetSchema = z
  .object({
    id: z.string().min(1, 'a target needs an id'),
    /** The zone whose WAF custom rule blocks the list. */
    zoneId: cloudflareId('zoneId'),
    /**
     * The account IP list the service owns (created by the operator, its description carrying the
     * ownership marker). List names: `^[a-z0-9_]+$`, at most 50 characters (Cloudflare's rule).
     */
    listName: z
      .string()
      .max(50, 'listName is at most 50 characters (Cloudflare list names)')
      .regex(/^[a-z0-9_]+$/, 'listName may hold only lower-case letters, digits and _ (Cloudflare list names)'),
    /** The zone ruleset holding the rule `ip.src in $<listName>`; default: the zone's http_request_firewall_custom entry point. */
    rulesetId: cloudflareId('rulesetId').optional(),
  })
  .strict();

export const cloudflareCredentialsSchema = z.union(
  [z.object({ apiToken: secretRefSchema }).strict(), z.object({ source: z.literal('simulator') }).strict()],
  { error: "credentials must be { apiToken: { env | file } } (a Cloudflare API token) or { source: 'simulator' }" },
);

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/;

export const cloudflareConfigSchema = z
  .object({
    accountId: cloudflareId('accountId'),
    credentials: cloudflareCredentialsSchema,
    /** API origin override (the sandbox simulator on loopback); `/client/v4` is appended. */
    endpoint: z.url('endpoint must be a URL such as https://api.cloudflare.com').optional(),
    /** The account's plan: sets the item limit across all its custom lists unless maxItems says otherwise. */
    plan: z.enum(['free', 'pro', 'business', 'enterprise']).default('free'),
    /** Items across every custom list of the account (Enterprise accounts may have a raised limit). */
    maxItems: z.number().int().min(1, 'maxItems must be at least 1').max(10_000_000).optional(),
    /** A list is owned when its description contains this marker; the service never changes any other list. */
    ownerMarker: z
      .string()
      .regex(/^[a-z][a-z0-9:_-]{2,40}$/, 'ownerMarker: 3-41 lower-case letters, digits, ":", "_" or "-", starting with a letter')
      .default('managed-by:portcullis'),
    /** Wait between polls of a bulk operation. */
    pollIntervalMs: z.number().int().min(10).max(60_000).default(1000),
    /** Polls of one bulk operation before the change is reported as not finished (retried by the next pass). */
    maxPolls: z.number().int().min(1).max(1000).default(120),
    targets: z.array(cloudflareTargetSchema).min(1, 'at least one target is needed'),
  })
  .strict()
  .superRefine((config, ctx) => {
    const ids = config.targets.map((t) => t.id);
    for (const [i, id] of ids.entries()) {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['targets', i, 'id'], message: `target id "${id}" is used twice` });
    }
    const simulated = 'source' in config.credentials;
    if (config.endpoint?.startsWith('http://') && !(simulated && LOOPBACK.test(config.endpoint))) {
      // The API token must never travel in clear text: plain http is for the loopback simulator only.
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: 'an http:// endpoint is only allowed on loopback with credentials { source: simulator }; use https with an API token',
      });
    }
    if (simulated && config.endpoint && !LOOPBACK.test(config.endpoint)) {
      ctx.addIssue({ code: 'custom', path: ['credentials'], message: 'credentials { source: simulator } need a loopback endpoint (the sandbox simulator) or none (tests)' });
    }
  });

export type CloudflareConfig = z.output<typeof cloudflareConfigSchema>;
export type CloudflareTarget = CloudflareConfig['targets'][number];

/** The item limit across the account's custom lists: maxItems when set, else the plan's. */
export function itemLimitOf(config: CloudflareConfig): number {
  return config.maxItems ?? CLOUDFLARE_PLAN_ITEMS[config.plan];
}

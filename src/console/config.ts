import { z } from 'zod';
import { SCOPES } from '../config/scopes.ts';
import { secretRefSchema } from '../config/secret.ts';

/** A test account of the sandbox identity provider (sandbox configs only). */
const sandboxAccountSchema = z
  .object({
    sub: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a lowercase login name'),
    name: z.string().min(1).max(100),
    roles: z.array(z.string().min(1)).default([]),
  })
  .strict();

/**
 * The operator console (`/console`): OpenID Connect login (authorization code + PKCE), the claim whose
 * values are the operator's roles, how roles map to the API's scopes, and session lifetimes.
 */
export const consoleConfigSchema = z
  .object({
    oidc: z
      .object({
        /** The identity provider's issuer URL, or `sandbox` for the local test provider (sandbox configs only). */
        issuer: z.union([z.literal('sandbox'), z.url({ protocol: /^https?$/, error: 'an https issuer URL (or "sandbox")' })]),
        clientId: z.string().min(1).default('portcullis-console'),
        /** A confidential client's secret (reference); absent for a public client (PKCE only). */
        clientSecret: secretRefSchema.optional(),
        scopes: z.array(z.string()).default(['openid', 'profile', 'email']),
      })
      .strict(),
    /** The console's external base URL (the redirect URI is `<publicUrl>/console/callback`); default the listen address. */
    publicUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** The ID token (or userinfo) claim holding the operator's roles or groups. */
    rolesClaim: z.string().min(1).default('roles'),
    /** Role (claim value) → scopes. An operator with no mapped role cannot log in. */
    roles: z.record(z.string().min(1), z.array(z.enum(SCOPES)).min(1)),
    session: z
      .object({
        idleMinutes: z.number().int().min(1).max(24 * 60).default(30),
        maxHours: z.number().min(0.1).max(24 * 7).default(8),
      })
      .strict()
      .default({ idleMinutes: 30, maxHours: 8 }),
    /** Accounts of the sandbox identity provider (only with `oidc.issuer: sandbox`). */
    sandboxAccounts: z.array(sandboxAccountSchema).default([]),
  })
  .strict()
  .refine((c) => c.oidc.issuer === 'sandbox' || c.sandboxAccounts.length === 0, {
    message: 'sandboxAccounts are only for oidc.issuer: sandbox',
    path: ['sandboxAccounts'],
  });

export type ConsoleConfig = z.infer<typeof consoleConfigSchema>;

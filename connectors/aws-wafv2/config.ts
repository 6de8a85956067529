import { z } from 'zod';
import { secretRefSchema } from '../../src/config/secret.ts';

/**
 * Addresses per IP set: 10,000, a fixed quota in the WAF Developer Guide, "AWS WAF quotas" (one IP set
 * holds one address version; a web ACL references as many sets as its WCUs allow, 1 WCU each).
 */
export const WAF_MAX_ADDRESSES_PER_SET = 10_000;

const entityName = (what: string) =>
  z
    .string()
    .min(1, `${what} is needed`)
    .max(128, `${what} is at most 128 characters`)
    .regex(/^[\w-]+$/, `${what}: letters, digits, "_" and "-" only (the WAF EntityName pattern)`);

const targetSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'a target id: lower-case letters, digits and dashes, at most 31 characters (it is part of IP set names)'),
    /** The web ACL (by name) the operator made; the connector keeps one rule in it and never creates or deletes the ACL. */
    webAcl: entityName('webAcl'),
    scope: z.enum(['REGIONAL', 'CLOUDFRONT'], { error: 'scope must be REGIONAL (ALB, API Gateway, AppSync, Cognito...) or CLOUDFRONT' }).default('REGIONAL'),
    /** Priority of the connector's block rule in the web ACL (lower runs first; it must not clash with the ACL's other rules). */
    rulePriority: z.number().int().min(0, 'rulePriority must be 0 or more'),
    /** IP sets the connector may own on this target (both address versions together; each counts against the account's 100 per scope). */
    maxIpSets: z.number().int().min(1).max(100, 'at most 100: the default IP set quota per account and scope').default(10),
    /** Addresses per IP set (WAF: 10,000); lower it only to leave room for hand-made entries. */
    maxAddressesPerSet: z
      .number()
      .int()
      .min(1)
      .max(WAF_MAX_ADDRESSES_PER_SET, `maxAddressesPerSet is at most ${WAF_MAX_ADDRESSES_PER_SET} (WAF quota)`)
      .default(WAF_MAX_ADDRESSES_PER_SET),
    ipv6: z.boolean().default(true),
  })
  .strict();

const credentialsSchema = z.union(
  [
    z.object({ source: z.literal('default') }).strict(),
    z.object({ source: z.literal('simulator') }).strict(),
    z.object({ accessKeyId: secretRefSchema, secretAccessKey: secretRefSchema, sessionToken: secretRefSchema.optional() }).strict(),
  ],
  { error: "credentials must be { source: 'default' } (the SDK's chain), { accessKeyId, secretAccessKey[, sessionToken] } as { env | file } references, or { source: 'simulator' }" },
);

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/;

/** Connector block of portcullis.config.yaml for `type: aws-wafv2` (everything but `id` and `type`). */
export const awsWafv2ConfigSchema = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'an AWS region like us-east-1'),
    endpoint: z.url({ message: 'endpoint must be a URL (VPC endpoint, emulator or the sandbox simulator)' }).optional(),
    credentials: credentialsSchema,
    targets: z.array(targetSchema).min(1, 'configure at least one target'),
    /** Ownership marker: IP set names start with it and their Description carries it. */
    ownerMarker: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,30}$/, 'ownerMarker: lower-case letters, digits and dashes, starting with a letter (it starts IP set names)')
      .default('portcullis'),
  })
  .strict()
  .superRefine((config, ctx) => {
    const ids = config.targets.map((t) => t.id);
    for (const [i, target] of config.targets.entries()) {
      if (ids.indexOf(target.id) !== i) ctx.addIssue({ code: 'custom', path: ['targets', i, 'id'], message: `target id "${target.id}" is used twice` });
      // CloudFront entities are global and managed through us-east-1 only (WAFV2 API reference, Scope).
      if (target.scope === 'CLOUDFRONT' && config.region !== 'us-east-1') {
        ctx.addIssue({
          code: 'custom',
          path: ['targets', i, 'scope'],
          message: `scope CLOUDFRONT needs region us-east-1 (WAF manages CloudFront web ACLs there), not ${config.region}`,
        });
      }
    }
    // Fake keys must never be sent to a real AWS endpoint: only the msw-routed default or a loopback simulator.
    if ('source' in config.credentials && config.credentials.source === 'simulator' && config.endpoint && !LOOPBACK.test(config.endpoint)) {
      ctx.addIssue({
        code: 'custom',
        path: ['credentials'],
        message: 'credentials { source: simulator } are only valid with a loopback endpoint (the sandbox simulator)',
      });
    }
  });

export type AwsWafv2Config = z.infer<typeof awsWafv2ConfigSchema>;
export type WafTarget = AwsWafv2Config['targets'][number];

import { z } from 'zod';
import { secretRefSchema } from '../../src/config/secret.ts';

/** Connector block of portcullis.config.yaml for `type: aws-ec2` (everything but `id` and `type`). */
const bandSchema = z
  .object({
    from: z.number().int().min(1, 'rule numbers start at 1').max(32766, 'rule numbers end at 32766 (32767+ are reserved by AWS)'),
    to: z.number().int().min(1, 'rule numbers start at 1').max(32766, 'rule numbers end at 32766 (32767+ are reserved by AWS)'),
  })
  .strict()
  .refine((band) => band.from <= band.to, { message: 'ruleNumberBand.from must not be above ruleNumberBand.to' });

const targetSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a target id: lower-case letters, digits and dashes'),
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'a VPC id like vpc-0a1b2c3d4e5f60001'),
    networkAclId: z.string().regex(/^acl-[0-9a-f]{8,17}$/, 'a network ACL id like acl-0a1b2c3d4e5f60001'),
    securityGroupId: z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'a security group id like sg-0a1b2c3d4e5f60001'),
    /** Rule numbers portcullis owns in the network ACL: every entry inside the band is treated as its own. */
    ruleNumberBand: bandSchema.default({ from: 100, to: 199 }),
    /** Entries per direction and address family the ACL may hold, including the default rule (AWS: 20, raisable to 40). */
    naclEntryLimit: z.number().int().min(2, 'at least the default rule and one entry').max(40, 'AWS allows at most 40 entries per direction').default(20),
    /** Whether the VPC has an IPv6 CIDR; when false, IPv6 rules are refused before any call. */
    ipv6: z.boolean().default(true),
  })
  .strict();

const credentialsSchema = z.union([
  z.object({ source: z.literal('default') }).strict(),
  z.object({ source: z.literal('simulator') }).strict(),
  z
    .object({
      accessKeyId: secretRefSchema,
      secretAccessKey: secretRefSchema,
      sessionToken: secretRefSchema.optional(),
    })
    .strict(),
]);

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/;

export const awsEc2ConfigSchema = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'an AWS region like us-east-1'),
    endpoint: z.url({ message: 'endpoint must be a URL (VPC endpoint, emulator or the sandbox simulator)' }).optional(),
    /** S3 endpoint for flow logs read from buckets (path-style; an emulator or VPC endpoint); default: the region's. */
    s3Endpoint: z.url({ message: 's3Endpoint must be a URL (S3 VPC endpoint or emulator)' }).optional(),
    credentials: credentialsSchema,
    targets: z.array(targetSchema).min(1, 'configure at least one target'),
    ownerMarker: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,30}$/, 'ownerMarker: lower-case letters, digits and dashes (it starts rule descriptions and tag keys)')
      .default('portcullis'),
  })
  .strict()
  .superRefine((config, ctx) => {
    const ids = config.targets.map((t) => t.id);
    for (const [i, id] of ids.entries()) {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['targets', i, 'id'], message: `target id "${id}" is used twice` });
    }
    // Fake keys must never be sent to a real AWS endpoint: only the msw-routed default or a loopback simulator.
    if ('source' in config.credentials && config.credentials.source === 'simulator' && [config.endpoint, config.s3Endpoint].some((e) => e && !LOOPBACK.test(e))) {
      ctx.addIssue({
        code: 'custom',
        path: ['credentials'],
        message: 'credentials { source: simulator } are only valid with a loopback endpoint (the sandbox simulator)',
      });
    }
  });

export type AwsEc2Config = z.infer<typeof awsEc2ConfigSchema>;
export type AwsEc2Target = AwsEc2Config['targets'][number];

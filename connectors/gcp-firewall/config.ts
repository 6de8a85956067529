import { z } from 'zod';
import { secretRefSchema } from '../../src/config/secret.ts';
import { GCP_NAME_PATTERN } from './names.ts';

/**
 * Source (and destination) IP ranges per VPC firewall rule: 5,000, a system limit in Google's Cloud NGFW
 * "Quotas and limits" page (cloud.google.com/firewall/docs/quotas).
 */
export const GCP_MAX_RANGES_PER_RULE = 5000;

const priority = z
  .number({ error: 'a priority must be a number' })
  .int('a priority must be a whole number')
  .min(0, 'GCP priorities start at 0')
  .max(65535, 'GCP priorities end at 65535');

const gcpName = (what: string) =>
  z
    .string()
    .max(63, `${what} is at most 63 characters`)
    .regex(GCP_NAME_PATTERN, `${what} must match [a-z]([-a-z0-9]*[a-z0-9])? (lower case letters, digits, hyphens)`);

export const gcpTargetSchema = z
  .object({
    id: z.string().min(1, 'a target needs an id'),
    /** VPC network name (not a URL). */
    network: gcpName('network'),
    priorityBand: z
      .object({ from: priority, to: priority })
      .strict()
      .refine((band) => band.from <= band.to, 'priorityBand.from must not be greater than priorityBand.to'),
    /** Google documents 5,000 source (and destination) ranges per VPC firewall rule (see README). */
    maxSourceRangesPerRule: z
      .number()
      .int()
      .min(1, 'maxSourceRangesPerRule must be at least 1')
      .max(GCP_MAX_RANGES_PER_RULE, `maxSourceRangesPerRule is at most ${GCP_MAX_RANGES_PER_RULE} (GCP limit)`)
      .default(GCP_MAX_RANGES_PER_RULE),
    /** Rules portcullis may own per direction on this network (counts against the project FIREWALLS quota). */
    maxRulesPerDirection: z.number().int().min(1).max(1000).default(100),
    ipv6: z.boolean().default(true),
    /** Zone of the instances this target quarantines (hosts are instance names in it). */
    zone: gcpName('zone').optional(),
  })
  .strict();

export const gcpCredentialsSchema = z.union(
  [
    z.object({ source: z.literal('default') }).strict(),
    z.object({ keyFile: secretRefSchema }).strict(),
    z.object({ source: z.literal('simulator') }).strict(),
  ],
  {
    error:
      "credentials must be { source: 'default' } (Application Default Credentials), { keyFile: { env | file } } (service-account JSON) or { source: 'simulator' }",
  },
);

export const gcpFirewallConfigSchema = z
  .object({
    project: z
      .string()
      .regex(
        /^(?:[a-z][-a-z0-9.]*:)?[a-z][-a-z0-9]{4,28}[a-z0-9]$/,
        'project must be a GCP project id: 6-30 characters, lower case letters, digits and hyphens (e.g. my-project-123)',
      ),
    /** rootUrl override (e.g. "http://127.0.0.1:8787/" for the sandbox simulator). */
    endpoint: z.url('endpoint must be a URL such as https://compute.googleapis.com/').optional(),
    credentials: gcpCredentialsSchema,
    targets: z
      .array(gcpTargetSchema)
      .min(1, 'at least one target is needed')
      .refine((targets) => new Set(targets.map((t) => t.id)).size === targets.length, 'target ids must be unique'),
    /** Ownership marker: portcullis only changes firewall rules whose name starts with it. */
    namePrefix: z
      .string()
      .max(30, 'namePrefix is at most 30 characters (names are at most 63)')
      .regex(/^[a-z][-a-z0-9]*$/, 'namePrefix must start with a lower case letter and hold only a-z, 0-9 and -')
      .default('portcullis-'),
  })
  .strict()
  .refine((c) => !c.endpoint?.startsWith('http://') || ('source' in c.credentials && c.credentials.source === 'simulator'), {
    // An OAuth access token must never travel in clear text: plain http is for the loopback simulator only.
    message: 'an http:// endpoint is only allowed with credentials { source: simulator }; use https with real credentials',
    path: ['endpoint'],
  });

export type GcpFirewallConfig = z.output<typeof gcpFirewallConfigSchema>;
export type GcpTarget = GcpFirewallConfig['targets'][number];

import { z } from 'zod';
import { notificationsSchema } from '../notify/config.ts';
import { siemSchema } from '../siem/config.ts';
import { identitiesSchema } from '../apprepo/identities.ts';
import { consoleConfigSchema } from '../console/config.ts';
import { secretRefSchema } from './secret.ts';

import { SCOPES } from './scopes.ts';
import { flowLogsConfigSchema } from '../flowlogs/config.ts';

export { SCOPES, type Scope } from './scopes.ts';

/**
 * A client's HMAC secret: a reference (env var or file), or, only in a sandbox config, an inline demo
 * value so the README's curl example works as printed. The server refuses to start with an inline
 * secret when any connector is real (not simulated).
 */
const clientSecretSchema = z.union(
  [secretRefSchema, z.object({ sandboxValue: z.string().startsWith('whsec_', 'a whsec_ secret') }).strict()],
  { error: 'expected { env: NAME } or { file: PATH } (or { sandboxValue: whsec_... } in a sandbox config)' },
);

/** Read tokens are stored hashed: the SHA-256 hex of the token, or a reference to the token itself. */
const tokenSchema = z.union(
  [z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'the lowercase hex SHA-256 of the token') }).strict(), secretRefSchema],
  { error: 'expected { sha256: <hex of the token> }, { env: NAME } or { file: PATH }' },
);

const clientSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a lowercase id (letters, digits, . _ -), at most 63 chars'),
    scopes: z.array(z.enum(SCOPES)).min(1, 'at least one scope'),
    secrets: z.array(clientSecretSchema).min(1, 'one secret, or two while rotating').max(2, 'at most two (rotation)'),
    tokens: z.array(tokenSchema).default([]),
  })
  .strict();

/** The common part of a connector block; the rest is checked by the connector's own schema. */
export const connectorBaseSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a lowercase id (letters, digits, -)'),
    type: z.enum(['aws-ec2', 'azure-nsg', 'gcp-firewall', 'aws-network-firewall', 'cloudflare', 'aws-wafv2']),
    /** Served by the built-in simulator of that cloud (sandbox and tests). */
    simulator: z.boolean().default(false),
  })
  .passthrough();

const hostSchema = z
  .string()
  .refine((h) => h.length > 0, 'a host name or IP address');

/** The PostgreSQL store (src/store/postgres/): the URL is a secret (it may carry the password). */
const storeSchema = z
  .object({
    postgres: z
      .object({
        /** A postgres:// connection string, e.g. postgres://portcullis:PASSWORD@db.internal:5432/portcullis. */
        url: secretRefSchema,
        /** Connections this replica keeps open. */
        poolSize: z.number().int().min(1).max(200).default(10),
        /** How long a call waits for a connection before it is answered 503. */
        connectTimeoutSeconds: z.number().min(1).max(60).default(5),
      })
      .strict(),
  })
  .strict();

/**
 * A placement chain (issue 12): the ordered enforcement points a target's blocks may hold on, as
 * `<connector>/<target>` ids. The first point is the chain's head: the target playbooks name.
 * `overflow`: each block goes to the first point with room; `all`: to every point. `playbooksOnly`
 * limits the chain to those playbooks' blocks (absent: every block on the head, and playbooks that name
 * it with `chain:`). Cross-key checks (points exist, one account and region) are in rules.ts.
 */
export const placementChainSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a lowercase id (letters, digits, -)'),
    mode: z.enum(['overflow', 'all'], { error: 'mode: overflow (the first point with room) or all (every point)' }).default('overflow'),
    points: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}\/[^/\s]+$/, 'a point as <connector id>/<target id>, e.g. aws-prod/edge'))
      .min(2, 'at least two points (a single point is just its target)'),
    playbooksOnly: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

export type PlacementChainConfig = z.infer<typeof placementChainSchema>;

export const configSchema = z
  .object({
    sandbox: z.boolean().default(false),
    listen: z
      .object({
        host: hostSchema.default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8787),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8787 }),
    dataDir: z.string().default('./data'),
    playbooksDir: z.string().default('./playbooks'),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
    signature: z
      .object({ toleranceSeconds: z.number().int().min(30).max(900).default(300) })
      .strict()
      .default({ toleranceSeconds: 300 }),
    limits: z
      .object({
        bodyBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(256 * 1024),
        /** Refused requests per source address and minute before 429 too_many_refusals. */
        refusalsPerMinute: z.number().int().min(1).max(100_000).default(60),
      })
      .strict()
      .default({ bodyBytes: 256 * 1024, refusalsPerMinute: 60 }),
    idempotency: z
      .object({
        retentionHours: z.number().min(24, 'at least 24 hours (the published minimum)').max(24 * 30).default(24),
        inFlightLockSeconds: z.number().int().min(5).max(3600).default(60),
      })
      .strict()
      .default({ retentionHours: 24, inFlightLockSeconds: 60 }),
    clients: z.array(clientSchema).min(1, 'at least one client'),
    connectors: z.array(connectorBaseSchema).default([]),
    /** Placement chains across connectors' targets (blocks that overflow a NACL onto WAF IP sets...). */
    placementChains: z.array(placementChainSchema).default([]),
    /**
     * Named tiers for allow requests ("open tcp/443 from web to api"): a tier is a set of source CIDRs
     * and/or the targets that hold its rules.
     */
    tiers: z
      .record(
        z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'a lowercase tier name'),
        z
          .object({
            cidrs: z.array(z.string()).default([]),
            targets: z.array(z.object({ connector: z.string(), target: z.string() }).strict()).default([]),
          })
          .strict(),
      )
      .default({}),
    /** Workload identities of application repos (Istio principals, pods, security groups...) and their tiers. */
    identities: identitiesSchema,
    approvals: z
      .object({ expireAfterHours: z.number().min(1).max(24 * 30).default(24) })
      .strict()
      .default({ expireAfterHours: 24 }),
    /** The audit log: the Ed25519 key that signs checkpoints, how often, and how long events are kept. */
    audit: z
      .object({
        /** PKCS#8 PEM or JWK of an Ed25519 private key (e.g. `openssl genpkey -algorithm ed25519`). */
        signingKey: secretRefSchema.optional(),
        checkpointIntervalSeconds: z.number().int().min(10).max(86_400).default(3600),
        /** Events older than this are pruned; absent keeps them forever. Needs signingKey (pruning is anchored by a signed checkpoint). */
        retentionDays: z.number().min(1).max(36_500).optional(),
      })
      .strict()
      .refine((a) => a.retentionDays === undefined || a.signingKey !== undefined, {
        message: 'retentionDays needs signingKey: pruning leaves a signed checkpoint that anchors the first event kept',
        path: ['retentionDays'],
      })
      .optional(),
    /** The operator console behind single sign-on (src/console/); absent: no console. */
    console: consoleConfigSchema.optional(),
    reconcile: z
      .object({
        /** How often every target is re-read to find and heal drift. */
        driftIntervalSeconds: z.number().int().min(10).max(86_400).default(300),
        /** Replicas on one database: how long a target's lease lasts unrenewed (a dead replica's targets move after this). */
        leaseTtlSeconds: z.number().int().min(2).max(300).default(10),
        /** How often a replica looks for pending work on targets whose lease is free or its own (the hand-over). */
        handoverPollMs: z.number().int().min(50).max(60_000).default(500),
      })
      .strict()
      .default({ driftIntervalSeconds: 300, leaseTtlSeconds: 10, handoverPollMs: 500 }),
    /** Signed notifications out (src/notify/): subscriptions, retries, dead letters. */
    notifications: notificationsSchema.optional(),
    /** The audit stream pushed to Splunk HEC and syslog (src/siem/). */
    siem: siemSchema.optional(),
    /** Where state lives: absent, SQLite under dataDir; `postgres`, a PostgreSQL database shared by replicas. */
    store: storeSchema.optional(),
    /** Flow logs per target, for cleanup-rules kinds unused and narrow (src/flowlogs/config.ts). */
    flowLogs: flowLogsConfigSchema,
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ClientConfig = z.infer<typeof clientSchema>;

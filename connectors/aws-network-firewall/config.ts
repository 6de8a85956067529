import { z } from 'zod';
import { secretRefSchema } from '../../src/config/secret.ts';

/** Stateless rule priorities: 1 to 65,535, unique inside a rule group (API reference, StatelessRule). */
export const NFW_PRIORITY_MIN = 1;
export const NFW_PRIORITY_MAX = 65_535;

const priority = z
  .number({ error: 'a priority must be a number' })
  .int('a priority must be a whole number')
  .min(NFW_PRIORITY_MIN, `stateless rule priorities start at ${NFW_PRIORITY_MIN}`)
  .max(NFW_PRIORITY_MAX, `stateless rule priorities end at ${NFW_PRIORITY_MAX}`);

const RULE_GROUP_ARN = /^arn:aws[a-z-]*:network-firewall:[a-z0-9-]+:\d{12}:stateless-rulegroup\/[A-Za-z0-9-]{1,128}$/;
const POLICY_ARN = /^arn:aws[a-z-]*:network-firewall:[a-z0-9-]+:\d{12}:firewall-policy\/[A-Za-z0-9-]{1,128}$/;
const RESOURCE_NAME = /^[a-zA-Z0-9-]{1,128}$/;

const targetSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a target id: lower-case letters, digits and dashes'),
    /** The stateless rule group the blocks live in: its name, or its ARN (another account's group is refused at check). */
    ruleGroup: z.union([
      z.string().regex(RULE_GROUP_ARN, 'a stateless rule group ARN like arn:aws:network-firewall:us-east-1:123456789012:stateless-rulegroup/portcullis-blocks'),
      z.string().regex(RESOURCE_NAME, 'a rule group name: 1-128 letters, digits and dashes'),
    ]),
    /**
     * The firewall policy that must reference the rule group (name or ARN). When set, `check` fails if the
     * policy does not list the group among its stateless rule group references: blocks would hold nowhere.
     */
    firewallPolicy: z
      .union([
        z.string().regex(POLICY_ARN, 'a firewall policy ARN like arn:aws:network-firewall:us-east-1:123456789012:firewall-policy/edge'),
        z.string().regex(RESOURCE_NAME, 'a firewall policy name: 1-128 letters, digits and dashes'),
      ])
      .optional(),
    /** Stateless rule priorities portcullis owns in the group: every rule inside the band is treated as its own. */
    priorityBand: z
      .object({ from: priority, to: priority })
      .strict()
      .refine((band) => band.from <= band.to, 'priorityBand.from must not be greater than priorityBand.to')
      .default({ from: 100, to: 199 }),
    /** Whether IPv6 blocks are sent (Network Firewall filters IPv6 when the firewall's subnets are dual stack). */
    ipv6: z.boolean().default(true),
  })
  .strict();

const credentialsSchema = z.union(
  [
    z.object({ source: z.literal('default') }).strict(),
    z.object({ source: z.literal('simulator') }).strict(),
    z
      .object({
        accessKeyId: secretRefSchema,
        secretAccessKey: secretRefSchema,
        sessionToken: secretRefSchema.optional(),
      })
      .strict(),
  ],
  {
    error:
      "credentials must be { source: 'default' } (the AWS default chain), { accessKeyId, secretAccessKey[, sessionToken] } as { env | file } references, or { source: 'simulator' }",
  },
);

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/;

/** Connector block of portcullis.config.yaml for `type: aws-network-firewall` (everything but `id` and `type`). */
export const awsNetworkFirewallConfigSchema = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'an AWS region like us-east-1'),
    /** The AWS account the credentials belong to (optional): an ARN of another account is then a config error. */
    accountId: z.string().regex(/^\d{12}$/, 'an AWS account id: 12 digits').optional(),
    endpoint: z.url({ message: 'endpoint must be a URL (VPC endpoint, emulator or the sandbox simulator)' }).optional(),
    credentials: credentialsSchema,
    targets: z.array(targetSchema).min(1, 'configure at least one target'),
    /** Ownership marker: the tag key a rule group must carry before portcullis changes it. */
    ownerMarker: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,30}$/, 'ownerMarker: lower-case letters, digits and dashes (the tag key on owned rule groups)')
      .default('portcullis'),
    /** Re-reads after an InvalidTokenException (someone else updated the group in between) before giving up. */
    tokenRetries: z.number().int().min(0).max(20).default(5),
  })
  .strict()
  .superRefine((config, ctx) => {
    const ids = config.targets.map((t) => t.id);
    for (const [i, id] of ids.entries()) {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: ['targets', i, 'id'], message: `target id "${id}" is used twice` });
    }
    for (const [i, target] of config.targets.entries()) {
      for (const [field, value] of [['ruleGroup', target.ruleGroup], ['firewallPolicy', target.firewallPolicy]] as const) {
        const [, , , region, account] = value?.startsWith('arn:') ? value.split(':') : [];
        if (region && region !== config.region) {
          ctx.addIssue({ code: 'custom', path: ['targets', i, field], message: `${field} ${value} is in ${region}, but the connector's region is ${config.region}` });
        }
        if (account && config.accountId && account !== config.accountId) {
          ctx.addIssue({ code: 'custom', path: ['targets', i, field], message: `${field} ${value} is in account ${account}, but the connector's account is ${config.accountId}` });
        }
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

export type AwsNetworkFirewallConfig = z.infer<typeof awsNetworkFirewallConfigSchema>;
export type NfwTarget = AwsNetworkFirewallConfig['targets'][number];

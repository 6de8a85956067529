import { z } from 'zod';
import { secretRefSchema } from '../../src/config/secret.ts';
import { isValidRuleName, MAX_RULE_NAME_LENGTH } from './names.ts';

/** Azure's own priority range for custom security rules. */
export const AZURE_PRIORITY_MIN = 100;
export const AZURE_PRIORITY_MAX = 4096;
/** Priorities at the top of each band kept for quarantine (one per address family). */
export const QUARANTINE_PRIORITIES = 2;

const priority = z
  .number()
  .int('a priority must be an integer')
  .min(AZURE_PRIORITY_MIN, `Azure priorities start at ${AZURE_PRIORITY_MIN}`)
  .max(AZURE_PRIORITY_MAX, `Azure priorities end at ${AZURE_PRIORITY_MAX}`);

const azureName = (what: string) =>
  z
    .string()
    .min(1, `${what} is required`)
    .max(80, `${what} is at most 80 characters`)
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, `${what} may hold letters, digits, '_', '.' and '-'`);

const targetSchema = z
  .object({
    id: z.string().min(1, 'a target needs an id'),
    resourceGroup: z
      .string()
      .min(1, 'resourceGroup is required')
      .max(90, 'resourceGroup is at most 90 characters')
      .regex(/^[-\w._()]+$/u, 'resourceGroup may hold letters, digits, _ . - ( )'),
    nsgName: azureName('nsgName'),
    priorityBand: z
      .object({ from: priority, to: priority })
      .strict()
      .refine((band) => band.to - band.from + 1 > QUARANTINE_PRIORITIES, {
        message: `priorityBand must hold more than ${QUARANTINE_PRIORITIES} priorities (the first ${QUARANTINE_PRIORITIES} are kept for quarantine) and "to" must not be below "from"`,
      }),
    ipv6: z.boolean().default(true),
  })
  .strict();

const credentialsSchema = z.union([
  z.object({ source: z.literal('default') }).strict(),
  z
    .object({
      tenantId: z.string().min(1, 'tenantId is required'),
      clientId: z.string().min(1, 'clientId is required'),
      clientSecret: secretRefSchema,
    })
    .strict(),
  z.object({ source: z.literal('simulator') }).strict(),
]);

export const azureNsgConfigSchema = z
  .object({
    subscriptionId: z.string().min(1, 'subscriptionId is required'),
    endpoint: z.url('endpoint must be a URL').default('https://management.azure.com'),
    credentials: credentialsSchema,
    targets: z.array(targetSchema).min(1, 'at least one target (NSG) is required'),
    namePrefix: z
      .string()
      .min(1)
      .max(40, 'namePrefix is at most 40 characters (rule names are at most 80)')
      .default('portcullis-')
      .refine((prefix) => isValidRuleName(`${prefix}x`), {
        message: 'namePrefix must start with a letter, digit or _ and hold only letters, digits, _ . -',
      }),
    /** Used between operation-status polls when Azure sends no Retry-After (the SDK default is 2000 ms). */
    pollIntervalMs: z.number().int().min(0).max(60_000).default(2000),
  })
  .strict()
  .superRefine((config, ctx) => {
    const ids = new Set<string>();
    for (const target of config.targets) {
      if (ids.has(target.id)) ctx.addIssue({ code: 'custom', message: `duplicate target id "${target.id}"` });
      ids.add(target.id);
    }
    const insecure = config.endpoint.startsWith('http://');
    const simulated = 'source' in config.credentials && config.credentials.source === 'simulator';
    if (insecure && !simulated) {
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: 'an http:// endpoint is only allowed with credentials { source: simulator }; real tokens travel over https only',
      });
    }
    if (config.namePrefix.length + 'quarantine-in6'.length > MAX_RULE_NAME_LENGTH) {
      ctx.addIssue({ code: 'custom', path: ['namePrefix'], message: 'namePrefix leaves no room for rule names' });
    }
  });

export type AzureNsgConfig = z.infer<typeof azureNsgConfigSchema>;
export type AzureNsgTarget = AzureNsgConfig['targets'][number];

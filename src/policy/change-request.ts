import { z } from 'zod';
import { ConfigError, parseYamlWith } from '../config/parse.ts';
import { type ActionInputs, actionInputs } from '../playbooks/inputs.ts';
import type { Playbook } from '../playbooks/schema.ts';

/**
 * A change request file, for `portcullis validate` in an application repo's CI: what a playbook call
 * would ask, decided offline against the repo's policies. YAML or JSON:
 *
 *   playbook: allow-ingress       # an allow or revoke playbook of playbooks/
 *   client: ci-payments           # optional: the Cedar principal (default "change-request")
 *   inputs:                       # exactly the playbook's inputs
 *     from: [10.0.1.0/24]         # tier names or CIDRs
 *     to: api                     # a tier of the config
 *     protocol: tcp
 *     port: 443                   # or "8000-8080"
 *     ttl: 30d
 */
export const changeRequestSchema = z
  .object({
    playbook: z.string().min(1, 'the name of an allow or revoke playbook'),
    client: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a lowercase client id (letters, digits, . _ -)')
      .default('change-request'),
    inputs: actionInputs.allow,
  })
  .strict();

export interface ChangeRequest {
  file: string;
  playbook: Playbook & { action: 'allow' | 'revoke' };
  client: string;
  inputs: ActionInputs['allow'];
}

/** Parses and checks a change request file; a ConfigError names the file, key path and line. */
export function parseChangeRequest(text: string, file: string, playbooks: ReadonlyMap<string, Playbook>): ChangeRequest {
  const decidable = [...playbooks.values()].filter((p) => p.action === 'allow' || p.action === 'revoke').map((p) => p.name);
  const schema = changeRequestSchema.extend({
    playbook: changeRequestSchema.shape.playbook.superRefine((name, ctx) => {
      if (decidable.includes(name)) return;
      ctx.addIssue({
        code: 'custom',
        message: `"${name.slice(0, 63)}" is not an allow or revoke playbook here (have: ${decidable.join(', ') || 'none'})`,
      });
    }),
  });
  const parsed = parseYamlWith(schema, text, file);
  const playbook = playbooks.get(parsed.playbook) as ChangeRequest['playbook'];
  if (playbook.inputs) {
    const unexpected = Object.keys(parsed.inputs).filter((k) => parsed.inputs[k as keyof typeof parsed.inputs] !== undefined && !playbook.inputs?.includes(k));
    if (unexpected.length) {
      throw new ConfigError(
        file,
        unexpected.map((k) => ({ path: `inputs.${k}`, message: `playbook ${playbook.name} does not accept "${k}" (accepts ${playbook.inputs?.join(', ')})` })),
      );
    }
  }
  return { file, playbook, client: parsed.client, inputs: parsed.inputs };
}

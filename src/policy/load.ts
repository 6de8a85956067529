import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { ConfigError } from '../config/parse.ts';
import { lineAt } from './errors.ts';

/** One policy of the set, with where it was written (for decisions and error messages). */
export interface LoadedPolicy {
  /** The @id annotation: unique across the folder, named in every decision. */
  id: string;
  file: string;
  line: number;
  effect: 'permit' | 'forbid';
  /** The @reason annotation (the id when absent): what a person reads in a decision. */
  reason: string;
  text: string;
}

/** A validated policy folder: the Cedar schema and every policy, ready for the engine. */
export interface PolicyBundle {
  dir: string;
  schemaFile: string;
  schema: string;
  policies: LoadedPolicy[];
}

type Problem = ConfigError['problems'][number];

/** The policies folder of a playbooks folder. */
export const policiesDirOf = (playbooksDir: string): string => join(playbooksDir, 'policies');

/**
 * Loads and validates a policy folder: exactly one *.cedarschema and any number of *.cedar files.
 * Every file is parsed and validated (strict mode) against the schema; every policy needs a unique
 * @id; policies may only name tiers the config declares. Any problem throws a ConfigError naming the
 * file, the line and the Cedar message, so a bad policy stops start-up.
 */
export function loadPolicies(dir: string, knownTiers: readonly string[]): PolicyBundle {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    throw new ConfigError(dir, [{ path: '', message: 'the policies directory cannot be read' }]);
  }
  const files = names.filter(isPolicyFile).map((name) => ({ file: join(dir, name), text: readFileSync(join(dir, name), 'utf8') }));
  return policiesFromFiles(dir, files, knownTiers);
}

/** A file of a policies folder: the schema (*.cedarschema) or policies (*.cedar). */
export const isPolicyFile = (name: string): boolean => name.endsWith('.cedar') || name.endsWith('.cedarschema');

/**
 * The checks of loadPolicies on files already read (sorted by name): what Node reads from the folder
 * and what the Worker bundled from it at build time (src/worker-files.ts) go through this.
 */
export function policiesFromFiles(dir: string, files: readonly { file: string; text: string }[], knownTiers: readonly string[]): PolicyBundle {
  const schemas = files.filter((f) => f.file.endsWith('.cedarschema'));
  if (schemas.length !== 1) {
    throw new ConfigError(dir, [
      { path: '', message: `expected exactly one *.cedarschema file, found ${schemas.length ? schemas.map((f) => basename(f.file)).join(', ') : 'none'}` },
    ]);
  }
  const { file: schemaFile, text: schema } = schemas[0] as { file: string; text: string };
  const parsedSchema = cedar.checkParseSchema(schema);
  if (parsedSchema.type === 'failure') throw new ConfigError(schemaFile, cedarProblems(schema, parsedSchema.errors));

  const policies: LoadedPolicy[] = [];
  const seen = new Map<string, string>();
  for (const { file, text } of files.filter((f) => f.file.endsWith('.cedar'))) {
    for (const policy of loadPolicyFile(file, text, schema, knownTiers)) {
      const previous = seen.get(policy.id);
      if (previous) {
        throw new ConfigError(file, [{ path: `@id("${policy.id}")`, line: policy.line, message: `the id is already used in ${previous}` }]);
      }
      seen.set(policy.id, `${basename(policy.file)}:${policy.line}`);
      policies.push(policy);
    }
  }
  return { dir, schemaFile, schema, policies };
}

function loadPolicyFile(file: string, text: string, schema: string, knownTiers: readonly string[]): LoadedPolicy[] {
  const parsed = cedar.checkParsePolicySet({ staticPolicies: text });
  if (parsed.type === 'failure') throw new ConfigError(file, cedarProblems(text, parsed.errors));
  const validated = cedar.validate({ schema, policies: { staticPolicies: text }, validationSettings: { mode: 'strict' } });
  if (validated.type === 'failure') throw new ConfigError(file, cedarProblems(text, validated.errors));
  if (validated.validationErrors.length) {
    throw new ConfigError(file, dedupe(cedarProblems(text, validated.validationErrors.map((e) => e.error))));
  }
  const parts = cedar.policySetTextToParts(text);
  if (parts.type === 'failure') throw new ConfigError(file, cedarProblems(text, parts.errors));
  if (parts.policy_templates.length) {
    throw new ConfigError(file, [{ path: '', message: 'policy templates (?principal, ?resource) are not supported; write static policies' }]);
  }
  const problems: Problem[] = [];
  let searchFrom = 0;
  const policies = parts.policies.flatMap((part, n) => {
    const at = text.indexOf(part, searchFrom);
    searchFrom = at < 0 ? searchFrom : at + part.length;
    const line = at < 0 ? 1 : lineAt(text, at);
    const json = cedar.policyToJson(part);
    if (json.type === 'failure') {
      problems.push(...cedarProblems(part, json.errors).map((p) => ({ ...p, line })));
      return [];
    }
    const id = json.json.annotations?.id;
    if (!id) {
      problems.push({ path: `policy ${n + 1}`, line, message: 'every policy needs an @id("...") annotation, named in decisions' });
      return [];
    }
    for (const tier of tiersNamed(json.json)) {
      if (!knownTiers.includes(tier)) {
        problems.push({ path: `@id("${id}")`, line, message: `names tier "${tier}", which the config does not declare (known: ${knownTiers.join(', ') || 'none'})` });
      }
    }
    return [{ id, file, line, effect: json.json.effect, reason: json.json.annotations?.reason ?? id, text: part }];
  });
  if (problems.length) throw new ConfigError(file, problems);
  return policies;
}

/** Every Portcullis::Tier entity id written in a policy (scope or condition). */
function tiersNamed(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) tiersNamed(item, found);
  } else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.type === 'Portcullis::Tier' && typeof record.id === 'string') found.push(record.id);
    for (const value of Object.values(record)) tiersNamed(value, found);
  }
  return found;
}

function cedarProblems(text: string, errors: cedar.DetailedError[]): Problem[] {
  return errors.map((e) => {
    const start = e.sourceLocations?.[0]?.start;
    const label = e.sourceLocations?.[0]?.label;
    const detail = [e.message, label, e.help].filter(Boolean).join('; ');
    return { path: '', ...(start === undefined ? {} : { line: lineAt(text, start) }), message: detail };
  });
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    // The validator repeats an error once per action the policy applies to; one is enough.
    const key = `${p.line}|${p.message.replace(/for Portcullis::Action::"\w+"/, '')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

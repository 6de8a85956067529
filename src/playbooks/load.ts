import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseYamlWith } from '../config/parse.ts';
import { actionInputs } from './inputs.ts';
import { type Playbook, playbookSchema } from './schema.ts';

/** What exists to aim playbooks at: connector ids and their target ids. */
export type TargetCatalog = Map<string, string[]>;

/**
 * Loads every playbooks/*.yaml and checks it: schema (with file and line), unique names, inputs the
 * action accepts, and targets that exist in the config. A bad file stops start-up.
 */
export function loadPlaybooks(dir: string, catalog: TargetCatalog): Map<string, Playbook> {
  const playbooks = new Map<string, Playbook>();
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch {
    throw new ConfigError(dir, [{ path: '', message: 'the playbooks directory cannot be read' }]);
  }
  for (const name of files) {
    const file = join(dir, name);
    const playbook = parseYamlWith(playbookSchema, readFileSync(file, 'utf8'), file);
    checkPlaybook(playbook, file, catalog);
    if (playbooks.has(playbook.name)) {
      throw new ConfigError(file, [{ path: 'name', message: `playbook name "${playbook.name}" is already used by another file` }]);
    }
    playbooks.set(playbook.name, playbook);
  }
  return playbooks;
}

export function checkPlaybook(playbook: Playbook, file: string, catalog: TargetCatalog): void {
  const problems: { path: string; message: string }[] = [];
  const accepted = Object.keys(actionInputs[playbook.action].shape);
  playbook.inputs?.forEach((input, i) => {
    if (!accepted.includes(input)) {
      problems.push({ path: `inputs[${i}]`, message: `"${input}" is not an input of ${playbook.action} (expected one of ${accepted.join(', ')})` });
    }
  });
  playbook.targets.forEach((t, i) => {
    const targets = catalog.get(t.connector);
    if (!targets) {
      problems.push({ path: `targets[${i}].connector`, message: `no connector "${t.connector}" in the config (have: ${[...catalog.keys()].join(', ') || 'none'})` });
    } else if (t.target !== '*' && !targets.includes(t.target)) {
      problems.push({ path: `targets[${i}].target`, message: `connector "${t.connector}" has no target "${t.target}" (have: ${targets.join(', ')})` });
    }
  });
  if (problems.length) throw new ConfigError(file, problems);
}

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
  let names: string[];
  try {
    names = readdirSync(dir).filter(isPlaybookFile).sort();
  } catch {
    throw new ConfigError(dir, [{ path: '', message: 'the playbooks directory cannot be read' }]);
  }
  return playbooksFromFiles(
    names.map((name) => ({ file: join(dir, name), text: readFileSync(join(dir, name), 'utf8') })),
    catalog,
  );
}

/** A playbook file name (*.yaml or *.yml). */
export const isPlaybookFile = (name: string): boolean => /\.ya?ml$/.test(name);

/** One file's text and the name errors report it by (a path on Node, the bundled path on Workers). */
export interface SourceFile {
  file: string;
  text: string;
}

/**
 * The checks of loadPlaybooks on files already read, in the order given: what Node reads from the
 * playbooks folder and what the Worker bundled from it at build time (src/worker-files.ts) go through this.
 */
export function playbooksFromFiles(files: readonly SourceFile[], catalog: TargetCatalog): Map<string, Playbook> {
  const playbooks = new Map<string, Playbook>();
  for (const { file, text } of files) {
    const playbook = parseYamlWith(playbookSchema, text, file);
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

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { readYamlDocuments } from './documents.ts';
import { ISTIO_VERSIONS, readAuthorizationPolicy } from './istio.ts';
import { parseJsonWithLines } from './json-positions.ts';
import { NETWORK_POLICY_VERSIONS, readNetworkPolicy } from './networkpolicy.ts';
import { isTerraformPlan, readTerraformPlan } from './terraform.ts';
import type { ReadResult } from './types.ts';

const KINDS_EXPECTED = `AuthorizationPolicy (${ISTIO_VERSIONS.join(', ')}), NetworkPolicy (${NETWORK_POLICY_VERSIONS.join(', ')}) or a Terraform plan (terraform show -json)`;

/** The API groups this reads: a document of another kind in these groups is a mistake, not a bystander. */
const GROUPS: Record<string, { kind: string; versions: string[] }> = {
  'security.istio.io': { kind: 'AuthorizationPolicy', versions: ISTIO_VERSIONS },
  'networking.k8s.io': { kind: 'NetworkPolicy', versions: NETWORK_POLICY_VERSIONS },
};

/**
 * Reads the given files and folders (folders: every .yaml, .yml and .json below, skipping dot folders and
 * node_modules). In a file named on the command line every document must be a supported kind; in a
 * folder, documents of other kinds (Deployments, Services...) are skipped with a note, except documents of
 * the Istio security or Kubernetes networking groups, which must be right.
 */
export function readAppSources(paths: string[]): ReadResult[] {
  const out: ReadResult[] = [];
  for (const path of paths) {
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch (error) {
      out.push({ file: path, rules: [], notes: [], problems: [{ file: path, path: '', message: `cannot read (${(error as NodeJS.ErrnoException).code})` }] });
      continue;
    }
    if (isDir) for (const file of walk(path)) out.push(readAppFile(file, false));
    else out.push(readAppFile(path, true));
  }
  return out;
}

function walk(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...walk(full));
    else if (['.yaml', '.yml', '.json'].includes(extname(entry.name))) files.push(full);
  }
  return files;
}

export function readAppFile(file: string, explicit: boolean): ReadResult {
  const result: ReadResult = { file, rules: [], notes: [], problems: [] };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    result.problems.push({ file, path: '', message: `cannot read the file (${(error as NodeJS.ErrnoException).code})` });
    return result;
  }
  if (extname(file) === '.json') {
    const parsed = parseJsonWithLines(text);
    if (!parsed.ok) {
      result.problems.push({ file, line: parsed.line, path: '', message: `${parsed.message} (expected ${KINDS_EXPECTED})` });
      return result;
    }
    if (isTerraformPlan(parsed.json.data)) {
      const plan = readTerraformPlan(parsed.json, file);
      return { file, kind: 'terraform', ...plan };
    }
  }
  const { docs, problems } = readYamlDocuments(text, file);
  result.problems.push(...problems);
  for (const doc of docs) {
    const data = doc.data;
    const where = `document ${doc.index + 1}`;
    const apiVersion = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).apiVersion : undefined;
    const kind = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).kind : undefined;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      if (explicit) result.problems.push({ file, line: doc.line, path: where, message: `not a Kubernetes or Istio manifest (no apiVersion and kind); expected ${KINDS_EXPECTED}` });
      continue;
    }
    const group = GROUPS[apiVersion.split('/')[0] ?? ''];
    if (kind === 'AuthorizationPolicy' || kind === 'NetworkPolicy') {
      const versions = kind === 'AuthorizationPolicy' ? ISTIO_VERSIONS : NETWORK_POLICY_VERSIONS;
      if (!versions.includes(apiVersion)) {
        result.problems.push({ file, line: doc.lineOf(['apiVersion']), path: `${where}.apiVersion`, message: `unsupported API version "${apiVersion}" for ${kind} (expected ${versions.join(' or ')})` });
        continue;
      }
      const read = kind === 'AuthorizationPolicy' ? readAuthorizationPolicy(doc, file) : readNetworkPolicy(doc, file);
      result.kind ??= kind === 'AuthorizationPolicy' ? 'istio' : 'networkpolicy';
      result.rules.push(...read.rules);
      result.notes.push(...read.notes);
      result.problems.push(...read.problems.map((p) => ({ ...p, path: `${where} ${p.path}` })));
      continue;
    }
    if (explicit || group) {
      const expected = group ? `${group.kind} (${group.versions.join(', ')})` : KINDS_EXPECTED;
      result.problems.push({ file, line: doc.lineOf(['kind']), path: `${where}.kind`, message: `"${kind}" (${apiVersion}) is not a supported kind; expected ${expected}` });
    } else {
      result.notes.push({ line: doc.line, message: `skipped ${kind} (${apiVersion}): not a network policy` });
    }
  }
  return result;
}

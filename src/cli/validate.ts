import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConnectorRegistry } from '../../connectors/index.ts';
import { type AppReport, type CurrentRules, decideAppSources, toJunit, toMarkdown, toSarif } from '../apprepo/index.ts';
import { loadConfig } from '../config/load.ts';
import { ConfigError, parseYamlWith } from '../config/parse.ts';
import type { Config } from '../config/schema.ts';
import { type TargetCatalog, checkPlaybook } from '../playbooks/load.ts';
import { type Playbook, playbookSchema } from '../playbooks/schema.ts';
import { PolicyEngine, PolicyRequestError, loadPolicies, parseChangeRequest, policiesDirOf } from '../policy/index.ts';
import { type Command, usageErrorLine } from './command.ts';
import { ciSummary, formatAppText, packageVersion, readCurrentRules } from './validate-outputs.ts';
import type { Problem, RequestResult, ValidateFlags, ValidateReport } from './validate-report.ts';

/** Exit codes of `portcullis validate`, for CI: only an approved (or lint-only clean) run exits 0. */
export const VALIDATE_EXIT = { approve: 0, invalid: 1, usage: 2, needs_approval: 3, deny: 4 } as const;

export const VALIDATE_USAGE = `portcullis validate [PATH] [--request FILE]... [--app FILE|DIR]... [--config FILE] [--format text|json|sarif|junit|markdown]

  Lints the playbooks and Cedar policies of PATH (a repo with playbooks/, or a playbooks folder; default .)
  and decides each change request file against the policies, offline.
  --config    the portcullis config that declares tiers, targets and identities (default: PATH/portcullis.config.yaml if present)
  --request   a change request (YAML or JSON: playbook, client, inputs); repeatable
  --app       an application's Istio AuthorizationPolicy, Kubernetes NetworkPolicy or Terraform plan JSON
              (terraform show -json), or a folder of them; every rule is decided with its file and line; repeatable
  --client    the Cedar principal the rules are decided for (default change-request; submit uses its --client)
  --rules FILE | --connector ID --target T
              compare the rules with a target's current rules (a NormalizedRule JSON file, or read live)
  --sarif FILE, --junit FILE, --markdown FILE, --json FILE
              also write those reports (whatever --format prints)
  exit codes: 0 approve (or clean lint), 1 invalid, 2 usage, 3 needs approval, 4 deny
`;

const FORMATS = ['text', 'json', 'sarif', 'junit', 'markdown'];

export const validateCommand: Command = async (args, io) => {
  let values: ValidateFlags;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, allowPositionals: true, options: VALIDATE_OPTIONS }));
  } catch (error) {
    io.err(usageErrorLine('validate', error as Error));
    return VALIDATE_EXIT.usage;
  }
  if (values.help) {
    io.out(VALIDATE_USAGE);
    return 0;
  }
  const live = values.connector !== undefined || values.target !== undefined;
  if (positionals.length > 1 || !FORMATS.includes(values.format ?? '') || (live && (!values.connector || !values.target || values.rules)) || ((live || values.rules) && !values.app?.length)) {
    io.err(VALIDATE_USAGE);
    return VALIDATE_EXIT.usage;
  }
  const root = resolve(positionals[0] ?? '.');
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    io.err(`${root}: not a directory (give a repo with playbooks/, or a playbooks folder)`);
    return VALIDATE_EXIT.usage;
  }
  let current: CurrentRules | undefined;
  try {
    current = await readCurrentRules(values, io.env);
  } catch (error) {
    if (!(error instanceof ConfigError) && !(error instanceof Error && error.name === 'CurrentRulesError')) throw error;
    io.err(error.message);
    return VALIDATE_EXIT.invalid;
  }
  const report = await validateRepo(root, values.config, values.request ?? [], { app: values.app ?? [], client: values.client ?? 'change-request', ...(current ? { current } : {}) });
  const outputs: Record<string, () => string> = {
    text: () => formatText(report),
    json: () => JSON.stringify(report, null, 2),
    sarif: () => JSON.stringify(toSarif(ciSummary(report), { root: process.cwd(), version: packageVersion() }), null, 2),
    junit: () => toJunit(ciSummary(report)),
    markdown: () => toMarkdown(ciSummary(report), process.cwd()),
  };
  for (const format of ['json', 'sarif', 'junit', 'markdown'] as const) {
    const file = values[format];
    if (file) writeFileSync(file, `${(outputs[format] as () => string)().trimEnd()}\n`);
  }
  io.out((outputs[values.format ?? 'text'] as () => string)());
  return report.exitCode;
};

const VALIDATE_OPTIONS = {
  config: { type: 'string' },
  request: { type: 'string', multiple: true },
  app: { type: 'string', multiple: true },
  client: { type: 'string' },
  rules: { type: 'string' },
  connector: { type: 'string' },
  target: { type: 'string' },
  format: { type: 'string', default: 'text' },
  json: { type: 'string' },
  sarif: { type: 'string' },
  junit: { type: 'string' },
  markdown: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface AppOptions {
  /** Files and folders of the application's repo (Istio, Kubernetes, Terraform plan JSON). */
  app: string[];
  client: string;
  current?: CurrentRules;
}

/** Everything `validate` checks, as data (the json format prints it as is). */
export async function validateRepo(root: string, configFlag: string | undefined, requestFiles: string[], appOptions?: AppOptions): Promise<ValidateReport> {
  const notes: string[] = [];
  const playbooksDir = existsSync(join(root, 'playbooks')) ? join(root, 'playbooks') : root;
  const configFile = configFlag ? resolve(configFlag) : existsSync(join(root, 'portcullis.config.yaml')) ? join(root, 'portcullis.config.yaml') : undefined;
  let config: Config | undefined;
  const configProblems: Problem[] = [];
  if (configFile) {
    try {
      config = (await loadConfig(configFile, loadConnectorRegistry)).config;
    } catch (error) {
      configProblems.push(...problemsOf(error));
    }
  } else {
    notes.push('no config given: playbook targets are not checked and no tier is known (pass --config)');
  }
  const tiers = config?.tiers ?? {};
  const playbooks = lintPlaybooks(playbooksDir, config && catalogOf(config));
  playbooks.problems.unshift(...configProblems);

  const policiesDir = policiesDirOf(playbooksDir);
  const policies = { dir: policiesDir, count: 0, problems: [] as Problem[] };
  let engine: PolicyEngine | undefined;
  if (!existsSync(policiesDir)) {
    notes.push(`no policies folder at ${policiesDir}`);
  } else {
    try {
      const bundle = loadPolicies(policiesDir, Object.keys(tiers));
      policies.count = bundle.policies.length;
      engine = new PolicyEngine(bundle, tiers);
    } catch (error) {
      policies.problems.push(...problemsOf(error));
    }
  }

  const requests = requestFiles.map((f) => decideFile(resolve(f), playbooks.loaded, engine, config !== undefined));
  let app: AppReport | undefined;
  if (appOptions?.app.length) {
    if (engine) {
      const ctx = { engine, tiers, identities: config?.identities ?? [], playbooks: playbooks.loaded, client: appOptions.client };
      app = decideAppSources(appOptions.app.map((p) => resolve(p)), ctx, appOptions.current);
      if (!config) notes.push('no config given: identities and tiers are unknown, so every rule needs approval (pass --config)');
    } else {
      app = { files: [], decisions: [], problems: [{ file: policiesDir, path: '', message: 'no valid policies to decide the application rules with' }] };
    }
  }
  const lintBad = playbooks.problems.length > 0 || policies.problems.length > 0 || (app?.problems.length ?? 0) > 0;
  const decisions = [...requests.map((r) => r.decision), ...(app?.decisions.map((d) => d.decision) ?? [])];
  const outcome: ValidateReport['outcome'] =
    lintBad || requests.some((r) => r.problems)
      ? 'invalid'
      : decisions.includes('deny')
        ? 'deny'
        : decisions.includes('needs_approval')
          ? 'needs_approval'
          : decisions.length
            ? 'approve'
            : 'ok';
  const exitCode = outcome === 'ok' ? 0 : VALIDATE_EXIT[outcome];
  return {
    exitCode,
    outcome,
    ...(configFile ? { config: configFile } : {}),
    notes,
    playbooks: { dir: playbooksDir, count: playbooks.loaded.size, problems: playbooks.problems },
    policies,
    requests,
    ...(app ? { app } : {}),
  };
}

function decideFile(file: string, playbooks: Map<string, Playbook>, engine: PolicyEngine | undefined, haveConfig: boolean): RequestResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { file, problems: [{ file, path: '', message: `cannot read the file (${(error as NodeJS.ErrnoException).code})` }] };
  }
  try {
    const request = parseChangeRequest(text, file, playbooks);
    if (!engine) return { file, problems: [{ file, path: '', message: 'no valid policies to decide with (see the policy problems above)' }] };
    const decision = engine.decide({
      action: request.playbook.action,
      client: request.client,
      playbook: request.playbook.name,
      inputs: request.inputs,
      ...(request.playbook.defaults.ttl !== undefined ? { defaultTtlMs: request.playbook.defaults.ttl } : {}),
    });
    return { file, ...decision };
  } catch (error) {
    if (error instanceof PolicyRequestError) {
      const hint = haveConfig ? '' : ' (no config given: pass --config to declare tiers)';
      return { file, problems: [{ file, path: `inputs.${error.path}`, message: `${error.message.slice(error.path.length + 2)}${hint}` }] };
    }
    return { file, problems: problemsOf(error) };
  }
}

/** Lints every playbook file, collecting all problems instead of stopping at the first. */
function lintPlaybooks(dir: string, catalog: TargetCatalog | undefined): { loaded: Map<string, Playbook>; problems: Problem[] } {
  const loaded = new Map<string, Playbook>();
  const problems: Problem[] = [];
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== 'portcullis.config.yaml').sort();
  } catch {
    problems.push({ file: dir, path: '', message: 'the playbooks directory cannot be read' });
  }
  for (const name of files) {
    const file = join(dir, name);
    try {
      const playbook = parseYamlWith(playbookSchema, readFileSync(file, 'utf8'), file);
      // Without a config, a playbook's own targets stand in for the catalog: only its inputs are checked.
      checkPlaybook(playbook, file, catalog ?? new Map(playbook.targets.map((t) => [t.connector, [t.target]])));
      if (loaded.has(playbook.name)) problems.push({ file, path: 'name', message: `playbook name "${playbook.name}" is already used by another file` });
      else loaded.set(playbook.name, playbook);
    } catch (error) {
      problems.push(...problemsOf(error));
    }
  }
  return { loaded, problems };
}

function catalogOf(config: Config): TargetCatalog {
  return new Map(
    config.connectors.map((block) => {
      const targets = (block as { targets?: unknown }).targets;
      const ids = Array.isArray(targets) ? targets.map((t) => (t as { id?: unknown }).id).filter((id): id is string => typeof id === 'string') : [];
      return [block.id, ids];
    }),
  );
}

/** ConfigErrors become problems (they name their file); anything else is a bug and propagates. */
function problemsOf(error: unknown): Problem[] {
  if (error instanceof ConfigError) return error.problems.map((p) => ({ file: error.file, ...p }));
  throw error;
}

function formatText(r: ValidateReport): string {
  const lines: string[] = [];
  const problem = (p: Problem) => `  ${p.file}${p.line ? `:${p.line}` : ''}${p.path ? ` ${p.path}` : ''}: ${p.message}`;
  for (const note of r.notes) lines.push(`note: ${note}`);
  lines.push(r.playbooks.problems.length ? `playbooks: INVALID (${r.playbooks.dir})` : `playbooks: ok (${r.playbooks.count} in ${r.playbooks.dir})`);
  lines.push(...r.playbooks.problems.map(problem));
  lines.push(r.policies.problems.length ? `policies: INVALID (${r.policies.dir})` : `policies: ok (${r.policies.count} in ${r.policies.dir})`);
  lines.push(...r.policies.problems.map(problem));
  for (const q of r.requests) {
    if (q.problems) {
      lines.push(`request ${q.file}: INVALID`, ...q.problems.map(problem));
      continue;
    }
    lines.push(`request ${q.file}: ${q.decision}`);
    for (const p of q.policies ?? []) lines.push(`  decided by ${p.effect} ${p.id} (${p.file}:${p.line})`);
    for (const reason of q.reasons ?? []) lines.push(`  reason: ${reason}`);
  }
  if (r.app) lines.push(...formatAppText(r.app));
  lines.push(`result: ${r.outcome} (exit ${r.exitCode})`);
  return lines.join('\n');
}

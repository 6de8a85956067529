import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { AppDecision, RunRequest } from '../apprepo/index.ts';
import { CLIENT_HEADER } from '../http/auth.ts';
import { signHeaders } from '../http/signature.ts';
import { type Command, usageErrorLine } from './command.ts';
import { validateRepo } from './validate.ts';

export const SUBMIT_USAGE = `portcullis submit [PATH] --app FILE|DIR... --url URL --client ID --secret-env VAR [--config FILE]
       [--commit SHA] [--wait SECONDS] [--format text|json]

  Sends the rules of a merged change (the same files and decisions as validate --app) as signed playbook
  runs: auto-approved runs are applied and waited for; runs that need a person are listed with their links.
  Denied rules and rules that cannot be stated as runs are not sent. The Idempotency-Key of each run is
  derived from the commit and the run, so re-running the job for the same commit sends nothing new.
  --secret-env  the environment variable holding the CI client's whsec_ secret (never on the command line)
  --commit      the commit being submitted (default: $GITHUB_SHA or $CI_COMMIT_SHA)
  --wait        seconds to wait for auto-approved runs to apply (default 60)
  exit codes: 0 everything applied, 1 invalid input or a run failed, 2 usage, 3 something waits (for a person, or still applying after --wait), 4 a rule is denied
`;

interface Submitted {
  rule: string;
  location: string;
  request: RunRequest;
  status: string;
  run?: string;
  link?: string;
  error?: string;
}

export const submitCommand: Command = async (args, io) => {
  let values: { app?: string[]; url?: string; client?: string; 'secret-env'?: string; config?: string; commit?: string; wait?: string; format?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        app: { type: 'string', multiple: true },
        url: { type: 'string' },
        client: { type: 'string' },
        'secret-env': { type: 'string' },
        config: { type: 'string' },
        commit: { type: 'string' },
        wait: { type: 'string', default: '60' },
        format: { type: 'string', default: 'text' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    io.err(usageErrorLine('submit', error as Error));
    return 2;
  }
  if (values.help) {
    io.out(SUBMIT_USAGE);
    return 0;
  }
  const commit = values.commit ?? io.env.GITHUB_SHA ?? io.env.CI_COMMIT_SHA;
  const wait = Number(values.wait);
  const secret = values['secret-env'] ? io.env[values['secret-env']] : undefined;
  const root = resolve(positionals[0] ?? '.');
  if (positionals.length > 1 || !values.app?.length || !values.url || !values.client || !Number.isInteger(wait) || wait < 0 || wait > 3600 || !['text', 'json'].includes(values.format ?? '')) {
    io.err(SUBMIT_USAGE);
    return 2;
  }
  if (!secret) {
    io.err(`submit needs the CI client's secret: --secret-env VAR, with VAR set (${values['secret-env'] ? `${values['secret-env']} is not set` : 'no --secret-env given'})`);
    return 2;
  }
  if (!commit) {
    io.err('submit needs the commit it submits (--commit SHA, or $GITHUB_SHA / $CI_COMMIT_SHA): the idempotency keys are derived from it');
    return 2;
  }
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    io.err(`${root}: not a directory (give the repo with playbooks/)`);
    return 2;
  }
  const report = await validateRepo(root, values.config, [], { app: values.app, client: values.client });
  if (report.outcome === 'invalid') {
    io.err(`nothing submitted: validate finds invalid input (run portcullis validate for the details)\n${JSON.stringify(report.app?.problems ?? [...report.playbooks.problems, ...report.policies.problems], null, 2)}`);
    return 1;
  }
  const decisions = report.app?.decisions ?? [];
  const api = new RunsApi(values.url.replace(/\/+$/, ''), values.client, secret);
  const results: Submitted[] = [];
  for (const d of decisions) {
    const location = `${d.file}:${d.line}${d.column ? `:${d.column}` : ''}`;
    if (d.decision === 'deny' || !d.complete) {
      const status = d.decision === 'deny' ? 'denied' : 'needs_person';
      for (const request of d.runs.length ? d.runs.map((r) => r.request) : [undefined]) {
        results.push({ rule: d.name, location, request: request as RunRequest, status, error: d.reasons.join('; ') });
      }
      continue;
    }
    for (const run of d.runs) results.push(await submitRun(api, d, run.request, commit, wait, location));
  }
  if (values.format === 'json') io.out(JSON.stringify({ commit, results }, null, 2));
  else io.out(formatSubmitted(results, commit));
  if (results.some((r) => r.status === 'failed' || r.status === 'error' || r.status === 'partially_applied')) return 1;
  if (results.some((r) => r.status === 'denied')) return 4;
  if (results.some((r) => r.status !== 'applied')) return 3;
  return 0;
};

/**
 * The same commit and the same change always give the same key; any other change or commit, another key.
 * The free-text reason (it names the file) is left out, so a re-run from another checkout path matches.
 */
export function idempotencyKeyFor(commit: string, request: RunRequest): string {
  const { reason: _reason, ...inputs } = request.inputs;
  const canonical = JSON.stringify({ playbook: request.playbook, inputs: Object.fromEntries(Object.entries(inputs).sort(([a], [b]) => a.localeCompare(b))) });
  return `portcullis-submit-${createHash('sha256').update(`${commit}\n${canonical}`).digest('hex').slice(0, 48)}`;
}

const SETTLED = new Set(['applied', 'failed', 'partially_applied', 'rejected', 'approval_expired']);

async function submitRun(api: RunsApi, d: AppDecision, request: RunRequest, commit: string, wait: number, location: string): Promise<Submitted> {
  const base = { rule: d.name, location, request };
  const body = JSON.stringify({ playbook: request.playbook, inputs: request.inputs });
  let answer: { status: number; json: Record<string, unknown> };
  try {
    answer = await api.post(`/v1/playbooks/${encodeURIComponent(request.playbook)}/runs`, body, { 'idempotency-key': idempotencyKeyFor(commit, request), prefer: `wait=${Math.min(wait, 60)}` });
  } catch (error) {
    return { ...base, status: 'error', error: `the service did not answer: ${(error as Error).message}` };
  }
  if (answer.status !== 200 && answer.status !== 202) {
    const detail = typeof answer.json.detail === 'string' ? answer.json.detail : JSON.stringify(answer.json).slice(0, 300);
    return { ...base, status: answer.json.code === 'policy_denied' ? 'denied' : 'error', error: `${answer.status}: ${detail}` };
  }
  const id = String(answer.json.id ?? '');
  let status = String(answer.json.status ?? 'pending');
  const deadline = Date.now() + wait * 1000;
  while (status === 'pending' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const read = await api.get(`/v1/runs/${encodeURIComponent(id)}`);
    if (read.status === 200) status = String(read.json.status ?? status);
  }
  const link = `${api.url}/v1/runs/${id}`;
  return { ...base, status: SETTLED.has(status) || status === 'pending_approval' ? status : 'pending', run: id, link };
}

class RunsApi {
  readonly url: string;
  private readonly client: string;
  private readonly secret: string;
  constructor(
    url: string,
    client: string,
    secret: string,
  ) {
    this.url = url;
    this.client = client;
    this.secret = secret;
  }

  async post(path: string, body: string, extra: Record<string, string>) {
    const headers = { ...(await signHeaders(this.secret, body)), [CLIENT_HEADER]: this.client, 'content-type': 'application/json', ...extra };
    return this.answer(await fetch(`${this.url}${path}`, { method: 'POST', headers, body }));
  }

  async get(path: string) {
    const headers = { ...(await signHeaders(this.secret, '')), [CLIENT_HEADER]: this.client };
    return this.answer(await fetch(`${this.url}${path}`, { headers }));
  }

  private async answer(response: Response): Promise<{ status: number; json: Record<string, unknown> }> {
    const text = await response.text();
    try {
      return { status: response.status, json: JSON.parse(text) as Record<string, unknown> };
    } catch {
      return { status: response.status, json: { detail: text.slice(0, 300) } };
    }
  }
}

function formatSubmitted(results: Submitted[], commit: string): string {
  const lines = [`commit ${commit}: ${results.length} run${results.length === 1 ? '' : 's'}`];
  for (const r of results) {
    const what = r.request ? `${r.request.playbook} ${r.request.inputs.protocol}${r.request.inputs.port ? `/${r.request.inputs.port}` : ''} from ${r.request.inputs.from.join(', ')} to ${r.request.inputs.to}` : 'not stated as runs';
    lines.push(`${r.status}: ${r.rule} (${r.location}) ${what}`);
    if (r.status === 'pending_approval') lines.push(`  waits for a person: ${r.link} (approve with POST ${r.link}/approve)`);
    else if (r.link && r.status !== 'applied') lines.push(`  run: ${r.link}`);
    if (r.error) lines.push(`  ${r.status === 'needs_person' ? 'not sent, a person decides' : r.status === 'denied' ? 'not sent' : 'error'}: ${r.error}`);
  }
  return lines.join('\n');
}

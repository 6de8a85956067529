/** The shell the CI templates run, read from the template files themselves, and a runner for it. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/process.ts';

const CI = join(REPO_ROOT, 'integrations/ci');

interface ActionStep {
  id: string;
  run?: string;
  env?: Record<string, string>;
  if?: string;
}

/** The `run:` script of a step of the GitHub composite action. */
export function githubStep(id: string): ActionStep {
  const action = parse(readFileSync(join(CI, 'github/action.yml'), 'utf8')) as { runs: { steps: ActionStep[] } };
  const step = action.runs.steps.find((s) => s.id === id);
  if (!step?.run) throw new Error(`integrations/ci/github/action.yml has no run step "${id}"`);
  return step;
}

export interface GitlabJob {
  script: string[];
  allow_failure?: { exit_codes: number[] };
}

/** A job of the GitLab template. */
export function gitlabJob(name: string): GitlabJob {
  const template = parse(readFileSync(join(CI, 'gitlab/portcullis.gitlab-ci.yml'), 'utf8')) as Record<string, GitlabJob>;
  const job = template[name];
  if (!job?.script) throw new Error(`integrations/ci/gitlab/portcullis.gitlab-ci.yml has no job "${name}"`);
  return job;
}

/** Runs a script with bash -e (as GitHub's `shell: bash` and GitLab's runner do) and the given env. */
export function runShell(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun) => {
    const { PORTCULLIS_CONFIG: _ignored, ...inherited } = process.env;
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString('utf8');
    });
    child.once('close', (code) => resolveRun({ code, output }));
  });
}

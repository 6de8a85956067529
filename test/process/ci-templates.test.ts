/**
 * Issue 16 item 5: the GitHub Action and the GitLab CI template run `portcullis validate` on pull
 * requests. This test runs the very shell the templates hold (read from the files) on an application
 * repo made of the shipped examples. (Their `submit` steps run in submit.test.ts, against a real server.)
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/process.ts';
import { gitlabJob, githubStep, runShell } from './ci-templates.ts';

const EXAMPLES = join(REPO_ROOT, 'examples/app-repo');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** An application repo holding the given example files. */
function appRepo(...files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-ci-app-'));
  dirs.push(dir);
  for (const f of files) cpSync(join(EXAMPLES, f), join(dir, f), { recursive: true });
  return dir;
}

const common = { PORTCULLIS_DIR: REPO_ROOT, PORTCULLIS_CONFIG_FILE: 'examples/app-repo/portcullis.config.yaml' };

describe('GitHub Action: validate on pull requests', () => {
  const step = githubStep('validate');

  it('reads its inputs through env only (no GitHub expression inside the script)', () => {
    expect(step.run).not.toMatch(/\$\{\{/);
    expect(Object.keys(step.env ?? {})).toEqual(expect.arrayContaining(['PORTCULLIS_DIR', 'PORTCULLIS_APP', 'PORTCULLIS_CONFIG_FILE']));
  });

  it("passes the brief's Istio policy, writes SARIF, JUnit and the step summary", async () => {
    const app = appRepo('istio/ai-app-ingress-policy.yaml');
    const summary = join(app, 'summary.md');
    const result = await runShell(step.run as string, app, { ...common, PORTCULLIS_APP: 'istio', PORTCULLIS_ALLOW_PENDING: 'true', GITHUB_STEP_SUMMARY: summary });
    expect(result.code, result.output).toBe(0);
    expect(JSON.parse(readFileSync(join(app, 'portcullis.sarif'), 'utf8')).version).toBe('2.1.0');
    expect(readFileSync(join(app, 'portcullis-junit.xml'), 'utf8')).toContain('<testsuites name="portcullis validate" tests="1" failures="0" errors="0" skipped="0">');
    expect(readFileSync(summary, 'utf8')).toContain('| ✅ approve | AuthorizationPolicy production/ai-app-ingress-policy rules[0] | `istio/ai-app-ingress-policy.yaml:12`');
  }, 60_000);

  it('passes when rules only wait for a person (allow-pending), fails the job when that is not allowed', async () => {
    const app = appRepo('kubernetes/networkpolicy.yaml');
    const env = { ...common, PORTCULLIS_APP: 'kubernetes', GITHUB_STEP_SUMMARY: join(app, 'summary.md') };
    const allowed = await runShell(step.run as string, app, { ...env, PORTCULLIS_ALLOW_PENDING: 'true' });
    expect(allowed.code, allowed.output).toBe(0);
    expect(allowed.output).toContain('some rules wait for a person');
    const strict = await runShell(step.run as string, app, { ...env, PORTCULLIS_ALLOW_PENDING: 'false' });
    expect(strict.code).toBe(3);
  }, 60_000);

  it('fails the job on a denied rule (exit 4) and still writes the reports', async () => {
    const app = appRepo('terraform/terraform-compliance-294-azure.plan.json');
    const result = await runShell(step.run as string, app, { ...common, PORTCULLIS_APP: 'terraform', PORTCULLIS_ALLOW_PENDING: 'true', GITHUB_STEP_SUMMARY: join(app, 'summary.md') });
    expect(result.code).toBe(4);
    expect(existsSync(join(app, 'portcullis.sarif'))).toBe(true);
    expect(readFileSync(join(app, 'summary.md'), 'utf8')).toContain('⛔ deny');
  }, 60_000);
});

describe('GitLab template: validate on merge requests', () => {
  const job = gitlabJob('portcullis-validate');

  it('lets "waits for a person" (exit 3) through, and nothing else', () => {
    expect(job.allow_failure).toEqual({ exit_codes: [3] });
  });

  it('runs validate on the Kubernetes documentation example: exit 3, with the JUnit report GitLab shows', async () => {
    const app = appRepo('kubernetes/networkpolicy.yaml', 'kubernetes/network-policy-allow-all-ingress.yaml');
    const result = await runShell(job.script.join('\n'), app, { ...common, PORTCULLIS_APP: 'kubernetes/networkpolicy.yaml' });
    expect(result.code, result.output).toBe(3);
    expect(readFileSync(join(app, 'portcullis-junit.xml'), 'utf8')).toContain('skipped="2"');
    const denied = await runShell(job.script.join('\n'), app, { ...common, PORTCULLIS_APP: 'kubernetes' });
    expect(denied.code).toBe(4);
  }, 60_000);
});

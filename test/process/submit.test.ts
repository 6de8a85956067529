/**
 * Issue 16 item 4: `portcullis submit` from an application repo's main branch, end to end. A real
 * `portcullis serve` process drives the three simulated clouds; `portcullis submit` runs as its own
 * process with the CI client's secret in its environment, on the shipped example documents.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type ServerProcess, cleanUp, runCliToExit, startServer, tempDir } from '../support/process.ts';
import { signedInit, testSecret } from '../support/sign.ts';
import { type RunJson, apiClient } from './api.ts';
import { gitlabJob, githubStep, runShell } from './ci-templates.ts';
import { CLOUDS, type Clouds, PROCESS_CLIENT, cloudsConfig, startClouds } from './clouds.ts';

const EXAMPLES = join(REPO_ROOT, 'examples/app-repo');
const secret = testSecret();
const token = randomBytes(24).toString('hex');
let clouds: Clouds;
let server: ServerProcess;
let app: string;
let briefOnly: string;
const api = apiClient(() => server.url, { id: PROCESS_CLIENT.id, secret, token });

// The server declares the same tiers as the example config the CI decides with.
const TIERS = `tiers:
  web: { cidrs: [10.0.1.0/24] }
  partners: { cidrs: [10.20.0.0/16] }
  api: { targets: [] }
  db: { targets: [] }
`;

beforeAll(async () => {
  clouds = await startClouds();
  const dir = tempDir();
  server = await startServer({
    dir,
    config: (port) => {
      const text = cloudsConfig(clouds, join(dir, 'data'), port);
      const replaced = text.replace(/^tiers:\n {2}web: .*\n {2}api: .*\n/m, TIERS);
      if (replaced === text) throw new Error('cloudsConfig changed shape: update the tiers replacement');
      return replaced;
    },
    env: { [PROCESS_CLIENT.secretEnv]: secret, [PROCESS_CLIENT.tokenEnv]: token },
  });
  // The application repo: the brief's Istio policy (auto-approved), the Kubernetes documentation's
  // NetworkPolicy (tcp/6379 into db: a person decides) and its allow-all-ingress example (denied).
  app = tempDir('portcullis-app-');
  mkdirSync(join(app, 'k8s'));
  cpSync(join(EXAMPLES, 'istio/ai-app-ingress-policy.yaml'), join(app, 'ai-app-ingress-policy.yaml'));
  cpSync(join(EXAMPLES, 'kubernetes/networkpolicy.yaml'), join(app, 'k8s/networkpolicy.yaml'));
  cpSync(join(EXAMPLES, 'kubernetes/network-policy-allow-all-ingress.yaml'), join(app, 'k8s/allow-all-ingress.yaml'));
  briefOnly = tempDir('portcullis-app-brief-');
  mkdirSync(join(briefOnly, 'istio'));
  cpSync(join(EXAMPLES, 'istio/ai-app-ingress-policy.yaml'), join(briefOnly, 'istio/ai-app-ingress-policy.yaml'));
}, 60_000);
afterAll(async () => {
  await cleanUp();
  await clouds?.close();
});

const submit = (commit: string, extraEnv: Record<string, string> = {}) =>
  runCliToExit(
    ['submit', REPO_ROOT, '--app', app, '--config', join(EXAMPLES, 'portcullis.config.yaml'), '--url', server.url, '--client', PROCESS_CLIENT.id, '--secret-env', 'CI_SECRET', '--commit', commit, '--wait', '20', '--format', 'json'],
    { CI_SECRET: secret, ...extraEnv },
    60_000,
  );

interface SubmitJson {
  commit: string;
  results: { rule: string; location: string; status: string; run?: string; link?: string; error?: string; request?: { inputs: Record<string, unknown> } }[];
}

const allowsOn = async (id: (typeof CLOUDS)[number]) => (await clouds.byId[id].connector.list('edge')).filter((r) => r.owned && r.action === 'allow');

describe('portcullis submit', () => {
  let first: SubmitJson;

  it('applies the auto-approved rule on every cloud, links the one that waits for a person, and sends nothing denied', async () => {
    const result = await submit('4f1c2e9a0b7d');
    expect(result.code, result.output).toBe(4);
    first = JSON.parse(result.stdout) as SubmitJson;
    const byRule = Object.fromEntries(first.results.map((r) => [r.rule, r]));
    const istio = byRule['AuthorizationPolicy production/ai-app-ingress-policy rules[0]'];
    expect(istio?.status).toBe('applied');
    expect(istio?.location).toMatch(/ai-app-ingress-policy\.yaml:12$/);
    const pending = byRule['NetworkPolicy default/test-network-policy ingress[0]'];
    expect(pending?.status).toBe('pending_approval');
    expect(pending?.link).toBe(`${server.url}/v1/runs/${pending?.run}`);
    expect(byRule['NetworkPolicy default/allow-all-ingress ingress[0]']).toMatchObject({ status: 'denied' });
    expect(byRule['NetworkPolicy default/test-network-policy egress[0]']).toMatchObject({ status: 'needs_person' });

    // The clouds hold the brief's rule: tcp/443 from the web tier's CIDR, and nothing else was opened.
    // The Cloudflare list holds blocks only (no allows), so the allow lands on the other clouds.
    for (const id of CLOUDS.filter((c) => c !== 'cloudflare-sandbox')) {
      const allows = await allowsOn(id);
      expect(allows.map((r) => [r.protocol, r.ports, r.cidrs]), id).toEqual([['tcp', [{ from: 443, to: 443 }], ['10.0.1.0/24']]]);
    }
    const run = await api.read<RunJson>(`/v1/runs/${istio?.run}`);
    expect(run.status).toBe('applied');
    const waiting = await api.read<RunJson>(`/v1/runs/${pending?.run}`);
    expect(waiting.status).toBe('pending_approval');
  }, 90_000);

  it('sends nothing new when the job re-runs for the same commit (the same runs come back)', async () => {
    const writes = clouds.writeCalls();
    const before = await api.read<{ runs: unknown[] }>('/v1/runs?limit=200');
    const again = await submit('4f1c2e9a0b7d');
    expect(again.code, again.output).toBe(4);
    const second = JSON.parse(again.stdout) as SubmitJson;
    expect(second.results.map((r) => [r.rule, r.status, r.run])).toEqual(first.results.map((r) => [r.rule, r.status, r.run]));
    const after = await api.read<{ runs: unknown[] }>('/v1/runs?limit=200');
    expect(after.runs.length).toBe(before.runs.length);
    expect(clouds.writeCalls()).toBe(writes);
  }, 90_000);

  it('CI and the service agree: the run validate denies is refused by the server with the same forbid', async () => {
    const result = await runCliToExit(['validate', REPO_ROOT, '--config', join(EXAMPLES, 'portcullis.config.yaml'), '--app', join(app, 'k8s/allow-all-ingress.yaml'), '--client', PROCESS_CLIENT.id, '--format', 'json'], {}, 60_000);
    expect(result.code, result.output).toBe(4);
    const [denied] = (JSON.parse(result.stdout) as { app: { decisions: { policies: { id: string }[]; runs: { request: { playbook: string; inputs: unknown } }[] }[] } }).app.decisions;
    const request = denied?.runs[0]?.request;
    expect(request).toBeDefined();
    const body = JSON.stringify(request);
    const response = await fetch(`${server.url}/v1/playbooks/${request?.playbook}/runs`, signedInit({ clientId: PROCESS_CLIENT.id, secret, body, nowMs: Date.now() }));
    // The service names each policy as "id (file:line)".
    const problem = (await response.json()) as { code: string; policies: string[] };
    expect(response.status).toBe(422);
    expect(problem.code).toBe('policy_denied');
    expect(problem.policies.map((p) => p.split(' ')[0]).sort()).toEqual(denied?.policies.map((p) => p.id).sort());
  }, 90_000);

  it('refuses to run without the secret in the environment, and sends nothing', async () => {
    const before = await api.read<{ runs: unknown[] }>('/v1/runs?limit=200');
    const result = await runCliToExit(['submit', REPO_ROOT, '--app', app, '--config', join(EXAMPLES, 'portcullis.config.yaml'), '--url', server.url, '--client', PROCESS_CLIENT.id, '--secret-env', 'CI_SECRET', '--commit', 'x'], {});
    expect(result.code).toBe(2);
    expect(result.output).toContain('CI_SECRET is not set');
    expect((await api.read<{ runs: unknown[] }>('/v1/runs?limit=200')).runs.length).toBe(before.runs.length);
  });

  it('validate --connector compares with the live rules: the applied rule is now already allowed', async () => {
    // The server's own config (real connectors on the clouds' loopback endpoints) plus the example identities.
    const identities = readFileSync(join(EXAMPLES, 'portcullis.config.yaml'), 'utf8').match(/^identities:\n(?: {2}.*\n|\n)+/m)?.[0];
    expect(identities).toBeDefined();
    const config = join(tempDir(), 'live.config.yaml');
    writeFileSync(config, `${readFileSync(server.configPath, 'utf8')}\n${identities}`);
    const result = await runCliToExit(
      ['validate', REPO_ROOT, '--config', config, '--app', join(briefOnly, 'istio'), '--connector', 'aws-sandbox', '--target', 'edge', '--format', 'json'],
      { [PROCESS_CLIENT.secretEnv]: secret, [PROCESS_CLIENT.tokenEnv]: token },
      60_000,
    );
    expect(result.code, result.output).toBe(0);
    const report = JSON.parse(result.stdout) as { app: { comparedWith: string; decisions: { current?: { relation: string; rules: string[] }[] }[] } };
    expect(report.app.comparedWith).toBe('aws-sandbox/edge');
    expect(report.app.decisions[0]?.current).toEqual([
      { relation: 'already_allowed', rules: [expect.stringMatching(/^sg sgr-\w+ \(ingress allow tcp 443 from 10\.0\.1\.0\/24\)$/)], message: expect.stringMatching(/^already allowed sg sgr-/) },
    ]);
  }, 90_000);
});

describe('the CI templates submit on the main branch', () => {
  const env = () => ({
    PORTCULLIS_DIR: REPO_ROOT,
    PORTCULLIS_CONFIG_FILE: 'examples/app-repo/portcullis.config.yaml',
    PORTCULLIS_APP: 'istio',
    PORTCULLIS_URL: server.url,
    PORTCULLIS_CLIENT: PROCESS_CLIENT.id,
    PORTCULLIS_CI_SECRET: secret,
  });

  it('the GitHub Action submit step applies the merged rule ($GITHUB_SHA is the commit)', async () => {
    const result = await runShell(githubStep('submit').run as string, briefOnly, { ...env(), GITHUB_SHA: 'a1b2c3d4e5f6' });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/^commit a1b2c3d4e5f6: 1 run\napplied: AuthorizationPolicy production\/ai-app-ingress-policy rules\[0\] \(.*ai-app-ingress-policy\.yaml:12\) allow-ingress tcp\/443 from web to api/);
  }, 90_000);

  it('the GitLab submit job applies it too ($CI_COMMIT_SHA is the commit)', async () => {
    const result = await runShell(gitlabJob('portcullis-submit').script.join('\n'), briefOnly, { ...env(), CI_COMMIT_SHA: '0f9e8d7c6b5a' });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('commit 0f9e8d7c6b5a: 1 run\napplied: AuthorizationPolicy production/ai-app-ingress-policy rules[0]');
  }, 90_000);
});

/**
 * The operator console in a real headless chromium, against a real `portcullis serve` process with the
 * sandbox config: its oidc-provider on loopback, its simulated clouds. Two operators log in through the
 * identity provider; four eyes hold by operator identity; the approved allow reaches the three clouds and
 * the audit trail names the approver by issuer and subject; a cross-origin form post is refused (CSRF).
 * Screenshots of every page land in test-results/console/.
 */
import { type Server, createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, type OperatorBrowser, ensureConsoleBuilt, launchOperatorBrowser, logIn, screenshot } from '../support/browser.ts';
import { type ServerProcess, cleanUp, startServer, tempDir, waitFor } from '../support/process.ts';
import { signedInit } from '../support/sign.ts';
import { DEMO_SECRET, DEMO_TOKEN, sandboxConfig } from '../process/sandbox-config.ts';

interface RunJson {
  id: string;
  status: string;
  client: string;
  targets: { connector: string; target: string; state: string }[];
  decision?: Record<string, unknown>;
}
interface AuditEventJson {
  action: string;
  outcome: string;
  detail?: Record<string, unknown>;
  [field: string]: unknown;
}

describe.skipIf(!CHROMIUM)('operator console in chromium (real server process, real OIDC provider)', () => {
  let server: ServerProcess;
  let alice: OperatorBrowser;
  let bob: OperatorBrowser;
  const closeLater: OperatorBrowser[] = [];

  const read = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${DEMO_TOKEN}` } });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const auditOf = async (run: string) => (await read<{ events: AuditEventJson[] }>(`/v1/audit/events?run=${run}&limit=1000`)).events;
  const signedRun = async (playbook: string, inputs: Record<string, unknown>): Promise<RunJson> => {
    const body = JSON.stringify({ playbook, inputs });
    const res = await fetch(`${server.url}/v1/playbooks/${playbook}/runs`, signedInit({ clientId: 'demo', secret: DEMO_SECRET, body, nowMs: Date.now() }));
    expect(res.status).toBe(202);
    return (await res.json()) as RunJson;
  };

  beforeAll(async () => {
    ensureConsoleBuilt();
    const dir = tempDir('portcullis-console-');
    // startServer picks a port that was free a moment ago; another process may take it first (EADDRINUSE).
    for (let attempt = 1; ; attempt++) {
      try {
        server = await startServer({ dir, config: (port) => sandboxConfig(`${dir}/data`, port) });
        break;
      } catch (error) {
        if (attempt === 3 || !String(error).includes('EADDRINUSE')) throw error;
      }
    }
    [alice, bob] = await Promise.all([launchOperatorBrowser(), launchOperatorBrowser()]);
  });
  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close(), ...closeLater.map((b) => b.close())]);
    await cleanUp();
  });

  it('shows a login page, then logs an operator in through the identity provider (code + PKCE)', async () => {
    const page = alice.page;
    await page.goto(`${server.url}/console/`);
    // The page asks for its session first; without one it offers the login.
    await page.getByRole('link', { name: 'Log in' }).waitFor();
    await screenshot(page, '01-login');
    await logIn(page, server.url, 'alice', (name) => screenshot(page, `02-${name}`));
    await expect(page.locator('.operator-name').textContent()).resolves.toBe('Alice Operator');

    // The session cookie: Secure, HttpOnly, SameSite=Strict, host-only.
    const cookies = await alice.context.cookies(server.url);
    const session = cookies.find((c) => c.name === '__Host-portcullis-session');
    expect(session).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Strict', path: '/' });
    // The session is a credential for the /v1 API: the operator's client and the scopes their role maps to.
    const whoami = await page.evaluate(async () => (await fetch('/v1/whoami')).json());
    expect(whoami).toEqual({ client: 'operator:alice', scopes: ['approve', 'allow', 'runs:read', 'audit:read'], auth: 'session' });
    // Not readable by the page's scripts.
    await expect(page.evaluate('document.cookie')).resolves.not.toContain('portcullis-session');

    const logins = (await read<{ events: AuditEventJson[] }>('/v1/audit/events?action=console.login&limit=100')).events;
    expect(logins.at(-1)?.detail).toMatchObject({ operator: { sub: 'alice' }, roles: ['portcullis-operator'] });
  });

  let requested: string;
  it('an operator requests an allow-ingress and cannot approve it themself (four eyes by operator identity)', async () => {
    const page = alice.page;
    await page.goto(`${server.url}/console/#/approvals`);
    const form = page.locator('form.request-allow');
    await form.locator('input[name="port"]').fill('9000');
    await form.locator('input[name="reason"]').fill('payments batch export');
    await form.getByRole('button', { name: 'Request' }).click();
    await form.locator('.ok').waitFor();
    requested = /(run_[0-9a-f-]+)/.exec((await form.locator('.ok').textContent()) ?? '')?.[1] ?? '';
    expect(requested).toMatch(/^run_/);
    const card = page.locator(`article.pending[data-run="${requested}"]`);
    await card.waitFor();
    await expect(card.locator('.requester').textContent()).resolves.toContain('alice');

    await card.getByRole('button', { name: 'Approve' }).click();
    const refusal = card.locator('.error[data-code="four_eyes"]');
    await refusal.waitFor();
    await expect(refusal.textContent()).resolves.toContain('cannot also approve');
    await screenshot(page, '03-approvals-four-eyes');
    await expect(read<RunJson>(`/v1/runs/${requested}`)).resolves.toMatchObject({ status: 'pending_approval' });
    const refused = (await auditOf(requested).then(() => read<{ events: AuditEventJson[] }>('/v1/audit/events?action=request.refused&limit=1000'))).events;
    expect(refused.some((e) => e.detail?.code === 'four_eyes' && (e.detail?.operator as { sub?: string })?.sub === 'alice')).toBe(true);
  });

  it('a pending allow appears live for a second operator, who sees the dry run and approves it; it applies on the three clouds', async () => {
    const page = bob.page;
    await logIn(page, server.url, 'bob');
    await page.goto(`${server.url}/console/#/approvals`);
    const card = page.locator(`article.pending[data-run="${requested}"]`);
    await card.waitFor();
    // Live update: a request made now (by the SOAR client) appears without a reload.
    const soar = await signedRun('allow-ingress', { from: 'web', to: 'api', protocol: 'tcp', port: 9100, reason: 'soar request' });
    await page.locator(`article.pending[data-run="${soar.id}"]`).waitFor({ timeout: 10_000 });
    // The dry run names the rule each cloud would get.
    for (const target of ['aws-sandbox/edge', 'azure-sandbox/edge', 'gcp-sandbox/edge']) {
      await expect(card.locator('.preview-target', { hasText: target }).locator('.ops').textContent()).resolves.toMatch(/create.*allow ingress tcp 9000 from 10\.0\.1\.0\/24/);
    }
    await expect(card.locator('.reasons').textContent()).resolves.toContain('no auto-approve policy matches');
    await screenshot(page, '04-approvals');

    await card.locator('input.comment').fill('checked with the payments team');
    await card.getByRole('button', { name: 'Approve' }).click();
    await card.waitFor({ state: 'detached' });

    const applied = await waitFor(
      async () => {
        const run = await read<RunJson>(`/v1/runs/${requested}`);
        return run.status === 'applied' ? run : undefined;
      },
      { timeoutMs: 20_000, describe: () => `run ${requested} did not apply` },
    );
    expect(applied.targets.map((t) => [`${t.connector}/${t.target}`, t.state]).sort()).toEqual([
      ['aws-sandbox/edge', 'applied'],
      ['azure-sandbox/edge', 'applied'],
      ['gcp-sandbox/edge', 'applied'],
    ]);
    expect(applied.decision).toMatchObject({ approved_by: 'operator:bob', approved_by_operator: { sub: 'bob' }, requested_by_operator: { sub: 'alice' } });
    // On the simulated clouds: each target's live rules include the owned allow of tcp/9000 from the web tier.
    for (const connector of ['aws-sandbox', 'azure-sandbox', 'gcp-sandbox']) {
      const analysis = await read<{ rules: number; capacity: Record<string, { owned: number }> }>(`/v1/connectors/${connector}/analysis?target=edge`);
      expect(Object.values(analysis.capacity).reduce((n, c) => n + c.owned, 0)).toBeGreaterThanOrEqual(1);
    }

    await page.goto(`${server.url}/console/#/runs`);
    const row = page.locator(`tr[data-run="${requested}"]`);
    await row.waitFor();
    await expect(row.locator('.target-state .state-applied').count()).resolves.toBe(3);
    await screenshot(page, '05-runs');
  });

  it('the approval is in the audit trail with the operator identity (issuer + subject)', async () => {
    const events = await auditOf(requested);
    const approved = events.find((e) => e.action === 'run.approved');
    const issuer = (approved?.detail?.operator as { iss?: string })?.iss ?? '';
    expect(issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(approved?.detail).toMatchObject({ operator: { iss: issuer, sub: 'bob' }, requested_by: 'operator:alice', comment: 'checked with the payments team' });
    expect(events.find((e) => e.action === 'run.pending_approval')?.detail).toMatchObject({ operator: { iss: issuer, sub: 'alice' } });
    expect(events.some((e) => e.action === 'reconcile.pass' || e.action === 'cloud.operation')).toBe(true);

    const page = bob.page;
    await page.goto(`${server.url}/console/#/audit`);
    await page.locator('input[name="run"]').fill(requested);
    await page.locator('input[name="run"]').press('Enter');
    const row = page.locator('tr[data-action="run.approved"]');
    await row.waitFor();
    await expect(row.locator('.operator').textContent()).resolves.toBe(`bob @ ${issuer}`);
    await page.locator('[data-verify="ok"]').waitFor();
    await screenshot(page, '06-audit');
  });

  it('the reports page charts time to secure deployment per week, as GET /v1/reports/changes computes it', async () => {
    interface Report {
      weeks: { week: string; lead_time_seconds: { p50: number | null; p95: number | null } }[];
      totals: { runs_applied: number; runs_received: number; approval_wait_seconds: { count: number } };
    }
    const report = await read<Report>('/v1/reports/changes?weeks=12');
    // The approved allow-ingress above waited for a person: it is applied, with an approval wait.
    expect(report.totals.runs_applied).toBeGreaterThanOrEqual(1);
    expect(report.totals.approval_wait_seconds.count).toBeGreaterThanOrEqual(1);
    const thisWeek = report.weeks.at(-1);
    expect(thisWeek?.lead_time_seconds.p50).not.toBeNull();

    const page = bob.page;
    await page.goto(`${server.url}/console/#/reports`);
    const bar = page.locator(`svg.lead-time g.week[data-week="${thisWeek?.week}"]`);
    await bar.waitFor();
    // The bars carry the API's figures (not re-derived in the browser).
    await expect(bar.getAttribute('data-p50')).resolves.toBe(String(thisWeek?.lead_time_seconds.p50));
    await expect(bar.getAttribute('data-p95')).resolves.toBe(String(thisWeek?.lead_time_seconds.p95));
    await expect(page.locator('[data-total="runs"] strong').textContent()).resolves.toMatch(new RegExp(`^${report.totals.runs_applied} / \\d+$`));
    await screenshot(page, '14-reports');
  });

  it('blocks, connectors and findings pages show what the API has', async () => {
    await signedRun('block-ip', { indicators: '203.0.113.7', ttl: '24h', reason: 'c2 beacon' });
    await waitFor(async () => ((await read<{ blocks: unknown[] }>('/v1/blocks')).blocks.length ? true : undefined), { timeoutMs: 10_000, describe: () => 'no block' });
    const page = bob.page;
    await page.goto(`${server.url}/console/#/blocks`);
    await page.locator('input.search').fill('203.0.113.0/24');
    const row = page.locator('table.blocks tbody tr', { hasText: '203.0.113.7/32' });
    // Why and by whom come from the run behind the block (loaded after the block list).
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toMatch(/c2 beacon.*demo/);
    await screenshot(page, '07-blocks');
    await page.locator('input.search').fill('198.51.100.0/24');
    await expect(page.locator('table.blocks tbody tr').count()).resolves.toBe(0);
    // One address is looked up by the server (GET /v1/blocks?ip=): every block containing it.
    await page.locator('input.search').fill('203.0.113.7');
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toMatch(/c2 beacon.*demo/);
    await page.locator('input.search').fill('203.0.113.8');
    await expect.poll(() => page.locator('p.empty').textContent(), { timeout: 10_000 }).toBe('203.0.113.8 is not blocked.');

    await page.goto(`${server.url}/console/#/connectors`);
    // One capacity line per placement: AWS NACL and security group, the Azure NSG, the GCP firewall.
    await expect.poll(() => page.locator('.capacity').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    await screenshot(page, '08-connectors');
    await page.goto(`${server.url}/console/#/findings`);
    await page.locator('table.findings').waitFor();
    await screenshot(page, '09-findings');
  });

  it('an operator logs out; an admin runs a connector check from the console (audited with their identity)', async () => {
    await alice.page.goto(`${server.url}/console/#/approvals`);
    await alice.page.getByRole('button', { name: 'Log out' }).click();
    await alice.page.getByRole('link', { name: 'Log in' }).waitFor();
    const after = await alice.page.evaluate(async () => (await fetch('/console/api/session')).status);
    expect(after).toBe(401);

    const carol = await launchOperatorBrowser();
    const page = carol.page;
    closeLater.push(carol);
    await logIn(page, server.url, 'carol');
    await page.goto(`${server.url}/console/#/connectors`);
    const aws = page.locator('section.card', { hasText: 'aws-sandbox (aws-ec2)' });
    await aws.getByRole('button', { name: 'Run check' }).click();
    await aws.locator('ul.checks li').first().waitFor();
    await expect(aws.locator('ul.checks .state-failed').count()).resolves.toBe(0);
    await screenshot(page, '10-connectors-check');
    const checked = (await read<{ events: AuditEventJson[] }>('/v1/audit/events?action=connector.checked&limit=100')).events;
    expect(checked.at(-1)?.detail).toMatchObject({ operator: { sub: 'carol' } });
  });

  it('refuses a cross-origin form post and a request without the CSRF token; nothing is decided', async () => {
    const pending = await signedRun('allow-ingress', { from: 'web', to: 'api', protocol: 'tcp', port: 9200, reason: 'csrf target' });
    // An attacker's page on another loopback origin auto-submits a form to the API (the browser sends bob's cookie: same site).
    const evil: Server = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(
        `<form id="f" method="POST" action="${server.url}/v1/runs/${pending.id}/approve" enctype="text/plain"><input name='{"run":"${pending.id}","decision":"approve","x":"' value='"}'></form><script>document.getElementById('f').submit()</script>`,
      );
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
    const address = evil.address();
    const evilUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    try {
      const answer = bob.page.waitForResponse((r) => r.url().includes(`/v1/runs/${pending.id}/approve`));
      await bob.page.goto(evilUrl);
      expect((await answer).status()).toBe(403);
    } finally {
      evil.closeAllConnections();
      await new Promise<void>((r) => evil.close(() => r()));
    }
    // The console's own page, but a script that leaves out the token.
    await bob.page.goto(`${server.url}/console/#/runs`);
    const noToken = await bob.page.evaluate(async (id) => {
      const res = await fetch(`/v1/runs/${id}/approve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ run: id, decision: 'approve' }),
      });
      return { status: res.status, body: await res.json() };
    }, pending.id);
    expect(noToken).toMatchObject({ status: 403, body: { code: 'csrf_failed' } });

    await expect(read<RunJson>(`/v1/runs/${pending.id}`)).resolves.toMatchObject({ status: 'pending_approval' });
    const refused = (await read<{ events: AuditEventJson[] }>('/v1/audit/events?action=request.refused&limit=1000')).events.filter(
      (e) => e.detail?.code === 'csrf_failed' && String(e.detail?.path).includes(pending.id),
    );
    expect(refused).toHaveLength(2);
  });
});

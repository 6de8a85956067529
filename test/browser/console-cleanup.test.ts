/**
 * "Request cleanup" from the findings page: an admin asks for the removal of an owned rule past its
 * expiry; the cleanup waits for a second operator (the admin cannot approve their own), who approves it,
 * and the rule leaves the simulated cloud. In-process server (its clock moves the block past its expiry
 * before the expiry sweep, which runs a minute after start, would remove it), real chromium, the sandbox
 * identity provider.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startNodeServer } from '../../src/node.ts';
import { DEMO_SECRET, sandboxConfig } from '../process/sandbox-config.ts';
import { CHROMIUM, type OperatorBrowser, ensureConsoleBuilt, launchOperatorBrowser, logIn, screenshot } from '../support/browser.ts';
import { cleanUp, tempDir, waitFor } from '../support/process.ts';
import { ShiftedClock } from '../support/shifted-clock.ts';
import { signedInit } from '../support/sign.ts';

describe.skipIf(!CHROMIUM)('console: request cleanup from the findings (chromium, in-process server)', () => {
  const clock = new ShiftedClock();
  let server: RunningServer;
  let carol: OperatorBrowser;
  let bob: OperatorBrowser;

  beforeAll(async () => {
    ensureConsoleBuilt();
    const dir = tempDir('portcullis-console-cleanup-');
    const configPath = join(dir, 'portcullis.config.yaml');
    // Sessions outlive the two hours the clock moves; both operators log in before it does.
    const config = sandboxConfig(join(dir, 'data'), 0).replace('  rolesClaim: roles\n', '  rolesClaim: roles\n  session: { idleMinutes: 600, maxHours: 24 }\n');
    if (!config.includes('idleMinutes: 600')) throw new Error('portcullis.config.yaml changed shape: update this test');
    writeFileSync(configPath, config);
    const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
    server = await startNodeServer({ configPath, port: 0, clock, logDestination: quiet as never });
    [carol, bob] = await Promise.all([launchOperatorBrowser(), launchOperatorBrowser()]);
  });
  afterAll(async () => {
    await Promise.all([carol?.close(), bob?.close()]);
    await server?.close();
    await cleanUp();
  });

  const gcpDenyCidrs = async () =>
    ((await server.services.runtime?.connectors.get('gcp-sandbox')?.list('edge')) ?? []).filter((r) => r.owned && r.action === 'deny').flatMap((r) => r.cidrs);

  it('an admin requests the cleanup of an expired owned rule; a second operator approves; the rule is removed', { timeout: 60_000 }, async () => {
    // Log in first: from the clock's jump on, the steps must finish before the expiry sweep (a minute
    // after start) removes the expired rule by itself.
    await logIn(carol.page, server.url, 'carol');
    await logIn(bob.page, server.url, 'bob');
    for (const inputs of [
      { indicators: '203.0.113.40', ttl: '1h', reason: 'short block' },
      { indicators: '203.0.113.90', ttl: '30d', direction: 'egress', reason: 'long block' },
    ]) {
      const body = JSON.stringify({ playbook: 'block-ip', inputs });
      const res = await fetch(`${server.url}/v1/playbooks/block-ip/runs`, signedInit({ clientId: 'demo', secret: DEMO_SECRET, body, nowMs: clock.now(), headers: { prefer: 'wait=10' } }));
      expect(res.status).toBe(200);
    }
    expect(await gcpDenyCidrs()).toContain('203.0.113.40/32');
    clock.advance(2 * 3_600_000);

    const page = carol.page;
    await page.goto(`${server.url}/console/#/findings`);
    await page.locator('select[aria-label="target"]').selectOption('gcp-sandbox/edge');
    await page.locator('p[data-target="gcp-sandbox/edge"]').waitFor();
    await page.locator('table.findings tbody tr', { hasText: 'expired' }).first().waitFor();
    await screenshot(page, '12-findings-expired');
    await page.locator('button.request-cleanup').click();
    const requested = page.locator('p.ok', { hasText: 'Cleanup requested' });
    await requested.waitFor();
    const id = /(run_[0-9a-f-]+)/.exec((await requested.textContent()) ?? '')?.[1] ?? '';
    expect((await server.services.store.getRun(id))?.status).toBe('pending_approval');

    // The admin holds every scope, approve included, but not over their own request.
    await page.goto(`${server.url}/console/#/approvals`);
    const mine = page.locator(`article.pending[data-run="${id}"]`);
    await mine.getByRole('button', { name: 'Approve' }).click();
    await mine.locator('.error[data-code="four_eyes"]').waitFor();
    expect(await gcpDenyCidrs()).toContain('203.0.113.40/32');

    await bob.page.goto(`${server.url}/console/#/approvals`);
    const theirs = bob.page.locator(`article.pending[data-run="${id}"]`);
    await expect(theirs.locator('.preview-target', { hasText: 'gcp-sandbox/edge' }).textContent()).resolves.toMatch(/delete|update/);
    await screenshot(bob.page, '13-approvals-cleanup');
    await theirs.getByRole('button', { name: 'Approve' }).click();
    await theirs.waitFor({ state: 'detached' });
    await waitFor(async () => ((await server.services.store.getRun(id))?.status === 'applied' ? true : undefined), {
      timeoutMs: 15_000,
      describe: () => `cleanup run ${id} did not apply`,
    });
    expect(await gcpDenyCidrs()).not.toContain('203.0.113.40/32');
    expect(await gcpDenyCidrs()).toContain('203.0.113.90/32');
  });
});

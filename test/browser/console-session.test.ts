/**
 * Console sessions end: after `console.session.idleMinutes` without activity an operator's requests
 * are refused (401 session_expired, mutations included) and the page says so and offers the login.
 * The server runs in this process so the test can move its clock (a real HTTP server on loopback, the
 * real sandbox identity provider, a real chromium); everything else is the sandbox config.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startNodeServer } from '../../src/node.ts';
import { sandboxConfig } from '../process/sandbox-config.ts';
import { CHROMIUM, type OperatorBrowser, ensureConsoleBuilt, launchOperatorBrowser, logIn, screenshot } from '../support/browser.ts';
import { cleanUp, tempDir } from '../support/process.ts';
import { ShiftedClock } from '../support/shifted-clock.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';

describe.skipIf(!CHROMIUM)('console sessions expire (chromium, in-process server with a moved clock)', () => {
  const clock = new ShiftedClock();
  let server: RunningServer;
  let browser: OperatorBrowser;

  beforeAll(async () => {
    ensureConsoleBuilt();
    const dir = tempDir('portcullis-console-session-');
    const configPath = join(dir, 'portcullis.config.yaml');
    writeFileSync(configPath, sandboxConfig(join(dir, 'data'), 0));
    const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
    server = await startNodeServer({ configPath, port: 0, clock, logDestination: quiet as never });
    browser = await launchOperatorBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await cleanUp();
  });

  it('refuses a mutation with an idle-expired session, even with the right CSRF token', async () => {
    const page = browser.page;
    await logIn(page, server.url, 'alice');
    const csrf = await page.evaluate(async () => ((await (await fetch('/console/api/session')).json()) as { csrf_token: string }).csrf_token);
    // Leave the console page (it holds a live-update stream) for a plain same-origin page.
    await page.goto(`${server.url}/healthz`);
    clock.advance(31 * 60_000);
    const answer = await page.evaluate(
      async ([token]) => {
        const res = await fetch('/v1/runs/run_00000000-0000-0000-0000-000000000000/approve', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': token ?? '' },
          body: JSON.stringify({ run: 'run_00000000-0000-0000-0000-000000000000', decision: 'approve' }),
        });
        return { status: res.status, body: (await res.json()) as { code: string } };
      },
      [csrf],
    );
    expect(answer).toMatchObject({ status: 401, body: { code: 'session_expired' } });
    // The expired session is gone for good.
    const again = await page.evaluate(async () => (await fetch('/console/api/session')).status);
    expect(again).toBe(401);
    const refused = await server.services.store.auditAfter(0, 10_000);
    expect(refused.some((e) => e.action === 'request.refused' && (e.detail as { code?: string })?.code === 'session_expired')).toBe(true);
  });

  it('the open console notices the end of its session and offers the login again', async () => {
    const page = browser.page;
    await logIn(page, server.url, 'alice');
    await page.locator('.operator-name').waitFor();
    clock.advance(31 * 60_000);
    const notice = page.locator('[role="alert"][data-code="session_expired"]');
    await notice.waitFor({ timeout: 10_000 });
    await expect(notice.textContent()).resolves.toContain('Your session has expired');
    await expect(page.getByRole('link', { name: 'Log in' }).isVisible()).resolves.toBe(true);
    await screenshot(page, '11-session-expired');
  });

  it('an active operator is logged out after console.session.maxHours (8 h) all the same', async () => {
    const page = browser.page;
    await logIn(page, server.url, 'alice');
    await page.goto(`${server.url}/healthz`);
    for (let i = 0; i < 17; i++) {
      clock.advance(29 * 60_000);
      const status = await page.evaluate(async () => (await fetch('/console/api/session')).status);
      // 17 × 29 min = 8 h 13 min: live until the eighth hour, then refused.
      expect(status, `after ${(i + 1) * 29} min`).toBe((i + 1) * 29 <= 8 * 60 ? 200 : 401);
    }
  });
});

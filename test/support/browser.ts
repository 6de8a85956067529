/**
 * Debian's chromium driven by playwright-core for the console tests (never `npx playwright install`):
 * headless (playwright passes --headless), --no-sandbox (CI containers run as root), --disable-gpu,
 * --disable-background-networking, and a fresh profile (user data dir) per launch. Screenshots go to test-results/console/ (git-ignored) for a reviewer to look at.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { REPO_ROOT } from './process.ts';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);

/** The chromium binary, or undefined when it is not installed (the browser tests are then skipped). */
export const CHROMIUM = CANDIDATES.find((p) => existsSync(p));

export const SCREENSHOTS = join(REPO_ROOT, 'test-results', 'console');

/**
 * Builds the console (vite) when console/dist is missing or older than its sources, so the browser
 * tests never run against a stale page (`npm ci` builds it too, in its prepare step).
 */
export function ensureConsoleBuilt(): void {
  const index = join(REPO_ROOT, 'console', 'dist', 'index.html');
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  const sources = join(REPO_ROOT, 'console');
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.name !== 'dist' && e.name !== 'node_modules')
        .map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)),
    );
  if (newest(sources) <= built) return;
  // Test files run in parallel workers: one builds, the others wait for its lock to go.
  const lock = join(REPO_ROOT, 'console', '.build-lock');
  try {
    mkdirSync(lock);
  } catch {
    const deadline = Date.now() + 60_000;
    while (existsSync(lock) && Date.now() < deadline) execFileSync('sleep', ['0.2']);
    return;
  }
  try {
    execFileSync('npm', ['run', '--silent', 'build:console'], { cwd: REPO_ROOT, stdio: 'ignore' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface OperatorBrowser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * One chromium per operator, each with its own fresh profile (its own cookie jar), as two people at
 * two desks would be.
 */
export async function launchOperatorBrowser(): Promise<OperatorBrowser> {
  if (!CHROMIUM) throw new Error('chromium is not installed (apt-get install -y chromium)');
  const profile = mkdtempSync(join(tmpdir(), 'portcullis-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: 1360, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Logs in through the console's "Log in" button and the identity provider's login and consent pages.
 * When the browser still has a session at the identity provider, it sends the operator straight back
 * (single sign-on), so `login` must then be the account already signed in there.
 */
export async function logIn(page: Page, consoleUrl: string, login: string, screenshot?: (name: string) => Promise<unknown>): Promise<void> {
  await page.goto(`${consoleUrl}/console/`);
  await page.getByRole('link', { name: 'Log in' }).click();
  const signedIn = page.locator('.operator-name');
  await page.locator('input[name="login"], .operator-name').first().waitFor();
  if (await page.locator('input[name="login"]').isVisible()) {
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password: the sandbox provider does not check it');
    if (screenshot) await screenshot('identity-provider-login');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    // oidc-provider's consent step, on the first login of an account to this client.
    await page.locator('button.login-submit, .operator-name').first().waitFor();
    if (await page.getByRole('button', { name: 'Continue' }).isVisible()) await page.getByRole('button', { name: 'Continue' }).click();
  }
  await signedIn.waitFor();
  await page.waitForURL(`${consoleUrl}/console/**`);
}

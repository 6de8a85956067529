/**
 * Issue 17 item 1: /docs is an API reference a person can read, served by portcullis itself (Swagger
 * UI from swagger-ui-dist), tried in a real headless Chromium with background networking off and
 * every request outside the server refused: the page must work offline.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, cleanUp, startServer, tempDir } from '../support/process.ts';
import { sandboxConfig } from '../process/sandbox-config.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

let server: ServerProcess;
let browser: Browser;
beforeAll(async () => {
  if (!CHROMIUM) throw new Error('no chromium: apt-get install -y chromium (.ci/run installs it)');
  const dir = tempDir();
  server = await startServer({ dir, config: (port) => sandboxConfig(join(dir, 'data'), port) });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});
afterAll(async () => {
  await browser?.close();
  await cleanUp();
});

describe('the API reference page', () => {
  it('renders every operation from /openapi.json with no request leaving the server', async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    const errors: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(server.url)) return route.continue();
      outside.push(url);
      return route.abort();
    });
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`${server.url}/docs`);
    await page.waitForSelector('.opblock-summary-path', { timeout: 20_000 });
    expect(await page.title()).toBe('portcullis API reference');
    const paths = await page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.getAttribute('data-path') ?? e.textContent ?? ''));
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const expected = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map(() => p));
    expect(paths.map((p) => p.replace(/\u200b/g, '')).sort()).toEqual(expected.sort());
    expect(await page.textContent('.info .title')).toContain('portcullis API');

    // A person can open an operation and read its problem+json errors and example.
    await page.click('#operations-runs-createRun .opblock-summary');
    await page.waitForSelector('#operations-runs-createRun .responses-table');
    const responses = await page.textContent('#operations-runs-createRun .responses-wrapper');
    expect(responses).toContain('application/problem+json');
    expect(responses).toContain('401');
    expect(responses).toContain('signature_invalid');
    expect(outside).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

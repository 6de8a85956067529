/**
 * The console's routes without a browser: the page and its headers, login needing the identity
 * provider, the session endpoint, and the /v1 API's handling of a console cookie.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startNodeServer } from '../../src/node.ts';
import { DEMO_TOKEN, sandboxConfig } from '../process/sandbox-config.ts';
import { ensureConsoleBuilt } from '../support/browser.ts';
import { cleanUp, tempDir } from '../support/process.ts';

let server: RunningServer;
beforeAll(async () => {
  ensureConsoleBuilt();
  const dir = tempDir('portcullis-console-routes-');
  const configPath = join(dir, 'portcullis.config.yaml');
  // An identity provider that does not answer: port 9 (discard) on loopback has no listener here.
  const config = sandboxConfig(join(dir, 'data'), 0)
    .replace('oidc: { issuer: sandbox }', 'oidc: { issuer: "http://127.0.0.1:9" }')
    .replace(/ {2}sandboxAccounts:\n(?: {4}- .*\n)+/, '');
  writeFileSync(configPath, config);
  const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
  server = await startNodeServer({ configPath, port: 0, logDestination: quiet as never });
});
afterAll(async () => {
  await server?.close();
  await cleanUp();
});

describe('happy', () => {
  it('serves the built page with a strict CSP and no caching of index.html', async () => {
    const res = await fetch(`${server.url}/console/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${server.url}${script}`);
    expect([js.status, js.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(html).not.toMatch(/https?:\/\//);
  });
});

describe('error', () => {
  it('answers 503 naming the identity provider when discovery fails, and audits it', async () => {
    const res = await fetch(`${server.url}/console/login`, { redirect: 'manual' });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { detail: string }).detail).toContain("identity provider's discovery document");
    const events = await server.services.store.auditAfter(0, 10_000);
    expect(events.some((e) => e.action === 'request.failed' && (e.detail as { code?: string; path?: string }).code === 'unavailable' && (e.detail as { path?: string }).path === '/console/login')).toBe(true);
  });

  it('needs a session for /console/api/session, and refuses an unknown session cookie on the API', async () => {
    const none = await fetch(`${server.url}/console/api/session`);
    expect([none.status, ((await none.json()) as { code: string }).code]).toEqual([401, 'session_required']);
    const stale = await fetch(`${server.url}/v1/runs`, { headers: { cookie: '__Host-portcullis-session=not-a-session' } });
    expect([stale.status, ((await stale.json()) as { code: string }).code]).toEqual([401, 'session_invalid']);
  });

  it('ignores a console cookie on a call that carries its own credential', async () => {
    const res = await fetch(`${server.url}/v1/whoami`, { headers: { cookie: '__Host-portcullis-session=not-a-session', authorization: `Bearer ${DEMO_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ client: 'demo', auth: 'token' });
  });

  it('does not serve files outside the build', async () => {
    const res = await fetch(`${server.url}/console/assets/..%2f..%2fpackage.json`);
    expect(res.status).toBe(404);
  });
});

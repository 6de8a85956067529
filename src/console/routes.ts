/**
 * The console's own routes: the page and its assets, login (authorization code + PKCE) and callback,
 * logout, the session (operator, scopes, CSRF token) and the live-update stream. Everything the page
 * shows or does goes through the ordinary /v1 API with the session cookie as the credential.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import type { RouteModule } from '../http/route.ts';
import type { Scope } from '../config/scopes.ts';
import type { AppEnv } from '../http/env.ts';
import { Problem } from '../http/problem.ts';
import { timingSafeEqual } from '../http/signature.ts';
import type { Asset } from './assets.ts';
import type { ConsoleConfig } from './config.ts';
import type { RelyingParty } from './oidc.ts';
import { type ConsoleAuth, SESSION_COOKIE, operatorClientId } from './principal.ts';
import type { SessionStore } from './sessions.ts';

const LOGIN_COOKIE = '__Host-portcullis-login';
const encoder = new TextEncoder();

/** The page may load only its own scripts and styles and talk only to its own origin. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export interface ConsoleRouteDeps {
  config: ConsoleConfig;
  sessions: SessionStore;
  auth: ConsoleAuth;
  assets: Map<string, Asset>;
  /** The relying party and the console's public origin, known once the server (and the sandbox provider) listen. */
  endpoint(): { rp: RelyingParty; publicUrl: string } | undefined;
}

export function consoleRoutes(deps: ConsoleRouteDeps): RouteModule {
  const { config, sessions, assets } = deps;
  const cookieBase = { path: '/', secure: true, httpOnly: true } as const;

  const page = (c: Context<AppEnv>, path: string) => {
    const asset = assets.get(path);
    if (!asset) {
      if (path === 'index.html') return c.text('the console is not built: run `npm run build:console` (npm ci runs it)', 503);
      throw new Problem('not_found', `no console asset ${path.slice(0, 100)}`);
    }
    c.header('content-type', asset.type);
    c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    c.header('cache-control', path === 'index.html' ? 'no-store' : 'public, max-age=31536000, immutable');
    return c.body(asset.body as Uint8Array<ArrayBuffer>);
  };

  const scopesOf = (roles: string[]): Scope[] => [...new Set(roles.flatMap((r) => config.roles[r] ?? []))];

  const failedLogin = (c: Context<AppEnv>, code: 'login_failed' | 'no_console_role', message: string, status: 401 | 403) => {
    c.set('problemCode', code);
    c.header('content-security-policy', CSP);
    return c.html(
      `<!doctype html><meta charset="utf-8"><title>portcullis console: login failed</title><h1>Login failed</h1><p>${escapeHtml(message)}</p><p><a href="/console/login">Try again</a></p>`,
      status,
    );
  };

  return (app) => {
    app.get('/console', (c) => c.redirect('/console/', 302));
    app.get('/console/', (c) => page(c, 'index.html'));
    app.get('/console/assets/*', (c) => page(c, c.req.path.slice('/console/'.length)));

    app.get('/console/login', async (c) => {
      const endpoint = deps.endpoint();
      if (!endpoint) throw new Problem('unavailable', 'the console identity provider is not configured yet');
      const login = await sessions.startLogin();
      let url: URL;
      try {
        url = await endpoint.rp.authorizationUrl(login, `${endpoint.publicUrl}/console/callback`);
      } catch (e) {
        c.get('services').log.error({ error: (e as Error).message }, 'OpenID discovery failed');
        throw new Problem('unavailable', "the identity provider's discovery document could not be read (see the service log); try again later");
      }
      // Lax: the identity provider's redirect back is a cross-site navigation that must carry it.
      setCookie(c, LOGIN_COOKIE, login.browserBinding, { ...cookieBase, sameSite: 'Lax', maxAge: 600 });
      return c.redirect(url.href, 302);
    });

    app.get('/console/callback', async (c) => {
      const endpoint = deps.endpoint();
      if (!endpoint) throw new Problem('unavailable', 'the console identity provider is not configured yet');
      const binding = getCookie(c, LOGIN_COOKIE) ?? '';
      deleteCookie(c, LOGIN_COOKIE, cookieBase);
      const login = await sessions.takeLogin(c.req.query('state') ?? '');
      if (!login || !timingSafeEqual(encoder.encode(binding), encoder.encode(login.browserBinding))) {
        return failedLogin(c, 'login_failed', 'this login was not started in this browser, or took longer than 10 minutes', 401);
      }
      const error = c.req.query('error');
      if (error) return failedLogin(c, 'login_failed', `the identity provider answered ${error.slice(0, 64)}`, 401);
      // The callback URL is rebuilt from the configured public URL, never from the Host header.
      const current = new URL(`${endpoint.publicUrl}/console/callback${new URL(c.req.url).search}`);
      let verified: Awaited<ReturnType<RelyingParty['complete']>>;
      try {
        verified = await endpoint.rp.complete(login, current);
      } catch (e) {
        c.get('services').log.warn({ error: (e as Error).message }, 'console login failed');
        return failedLogin(c, 'login_failed', 'the identity provider response did not verify (see the service log)', 401);
      }
      const scopes = scopesOf(verified.roles);
      const operator = { ...verified };
      const clientId = await operatorClientId(operator);
      const identity = { iss: operator.iss, sub: operator.sub };
      if (!scopes.length) {
        await c.get('services').store.commit({
          audit: [{ action: 'console.login', outcome: 'refused', clientId, requestId: c.get('requestId'), detail: { operator: identity, roles: verified.roles } }],
        });
        c.set('audited', true);
        return failedLogin(c, 'no_console_role', `none of your roles (${verified.roles.join(', ') || 'none'}) in claim "${config.rolesClaim}" is mapped in console.roles`, 403);
      }
      const session = await sessions.create(operator, scopes);
      await c.get('services').store.commit({
        audit: [{ action: 'console.login', outcome: 'success', clientId, requestId: c.get('requestId'), detail: { operator: identity, roles: verified.roles, scopes } }],
      });
      // Strict: no cross-site request ever carries the session; the page's own fetches do.
      setCookie(c, SESSION_COOKIE, session.id, { ...cookieBase, sameSite: 'Strict', maxAge: Math.ceil(config.session.maxHours * 3600) });
      return c.redirect('/console/', 302);
    });

    app.get('/console/api/session', async (c) => {
      const found = await deps.auth.principal(c, false);
      if (!found) throw new Problem('session_required', 'log in at /console/login');
      const { session, client } = found;
      c.header('cache-control', 'no-store');
      return c.json({
        operator: { iss: session.operator.iss, sub: session.operator.sub, name: session.operator.name ?? null, email: session.operator.email ?? null },
        client: client.id,
        roles: session.operator.roles,
        scopes: session.scopes,
        csrf_token: session.csrfToken,
        expires_at: new Date(sessions.expiresAt(session)).toISOString(),
      });
    });

    app.post('/console/logout', async (c) => {
      const found = await deps.auth.principal(c, true);
      if (!found) throw new Problem('session_required', 'no console session to end');
      await sessions.destroy(found.session.id);
      deleteCookie(c, SESSION_COOKIE, cookieBase);
      await c.get('services').store.commit({
        audit: [{ action: 'console.logout', outcome: 'success', clientId: found.client.id, requestId: c.get('requestId'), detail: { operator: { iss: found.operator.iss, sub: found.operator.sub } } }],
      });
      return c.body(null, 204);
    });

    // Live updates: one `audit` event whenever the log moves (every state change is audited), so the
    // page refetches what it shows; ends when the session does.
    app.get('/console/api/events', async (c) => {
      const found = await deps.auth.principal(c, false);
      if (!found) throw new Problem('session_required', 'log in at /console/login');
      const { store } = c.get('services');
      const id = found.session.id;
      return streamSSE(c, async (stream) => {
        let last = await store.auditHeadSeq();
        await stream.writeSSE({ event: 'audit', data: JSON.stringify({ seq: last }) });
        while (!stream.aborted && (await sessions.peek(id))) {
          await stream.sleep(1000);
          const seq = await store.auditHeadSeq();
          if (seq !== last) {
            last = seq;
            await stream.writeSSE({ event: 'audit', data: JSON.stringify({ seq }) });
          }
        }
        if (!stream.aborted) await stream.writeSSE({ event: 'session', data: JSON.stringify({ ended: true }) });
      });
    });
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

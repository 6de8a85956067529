/**
 * Console sessions as API credentials: a request carrying the session cookie (and no signature or
 * bearer token) is made by the operator of that session, with the scopes their roles map to. Mutating
 * requests must also echo the session's CSRF token and come from the console's own origin.
 */
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { sha256Hex } from '../audit/chain.ts';
import type { Client } from '../http/clients.ts';
import { Problem } from '../http/problem.ts';
import { timingSafeEqual } from '../http/signature.ts';
import type { Operator, Session, SessionStore } from './sessions.ts';

export const SESSION_COOKIE = '__Host-portcullis-session';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * The variables of the app's context (src/http/env.ts AppEnv) a session check sets. The interface takes
 * any context and names these here, not AppEnv: the services (src/services.ts) hold a ConsoleAuth and
 * AppEnv holds the services, so importing AppEnv would be an import cycle.
 */
type SessionContext = Context<{ Variables: { client?: Client; operator?: Operator } }>;

/** What authenticate() asks of the console (Services.console). */
export interface ConsoleAuth {
  /** The session cookie's operator, or undefined when the request has no session cookie. Throws when it is expired or a CSRF check fails. */
  principal(c: Context, mutating: boolean): Promise<{ client: Client; operator: Operator; session: Session } | undefined>;
}

/**
 * The client id an operator acts as (runs' requester, audit events' client): `operator:<sub>`, or a hash
 * when the subject is long or unusual. Configured client ids cannot contain ':', so they never collide.
 */
export async function operatorClientId(operator: Pick<Operator, 'iss' | 'sub'>): Promise<string> {
  if (/^[A-Za-z0-9._@-]{1,54}$/.test(operator.sub)) return `operator:${operator.sub}`;
  return `operator:h-${(await sha256Hex(`${operator.iss}\n${operator.sub}`)).slice(0, 40)}`;
}

const encoder = new TextEncoder();

export function createConsoleAuth(sessions: SessionStore, publicOrigin: () => string): ConsoleAuth {
  return {
    async principal(context, mutating) {
      const c = context as SessionContext;
      const id = getCookie(c, SESSION_COOKIE);
      if (!id) return undefined;
      const found = await sessions.touch(id);
      if (found.kind !== 'ok') {
        throw new Problem(found.kind === 'expired' ? 'session_expired' : 'session_invalid', found.kind === 'expired'
          ? 'the console session has expired; log in again at /console/login'
          : 'the console session is not known (logged out, or ended); log in again at /console/login');
      }
      const { session } = found;
      const client: Client = { id: await operatorClientId(session.operator), scopes: new Set(session.scopes), keys: [], tokenHashes: [] };
      // Known before the CSRF checks, so a refusal is audited with the operator it was aimed at.
      c.set('client', client);
      c.set('operator', session.operator);
      if (mutating) {
        // Same-origin only (a browser always sends Origin on a cross-origin POST), and the synchronizer token.
        const origin = c.req.header('origin');
        if (origin !== undefined && origin !== publicOrigin()) {
          throw new Problem('csrf_failed', `Origin ${origin.slice(0, 100)} is not the console's origin; mutating console requests come from the console page`);
        }
        const site = c.req.header('sec-fetch-site');
        if (site !== undefined && site !== 'same-origin') {
          throw new Problem('csrf_failed', `Sec-Fetch-Site is "${site.slice(0, 20)}"; mutating console requests must be same-origin`);
        }
        const token = c.req.header(CSRF_HEADER) ?? '';
        if (!timingSafeEqual(encoder.encode(token), encoder.encode(session.csrfToken))) {
          throw new Problem('csrf_failed', `header ${CSRF_HEADER} must carry this session's CSRF token (GET /console/api/session returns it)`);
        }
      }
      return { client, operator: session.operator, session };
    },
  };
}

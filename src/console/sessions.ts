/**
 * Operator sessions, kept server-side in memory: the cookie carries only a random id. A session ends
 * after `idleMs` without a request or `maxMs` after login, whichever comes first; a restart logs
 * everyone out (operators log in again through the identity provider, which is cheap).
 */
import type { Scope } from '../config/scopes.ts';
import type { Clock } from '../services.ts';

/** Who an operator is, as the identity provider said: issuer + subject identify them. */
export interface Operator {
  iss: string;
  sub: string;
  name?: string;
  email?: string;
  roles: string[];
}

export interface Session {
  id: string;
  operator: Operator;
  scopes: Scope[];
  /** The synchronizer token every mutating request must echo in `x-csrf-token`. */
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

/** A login between the redirect to the identity provider and its callback. */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Random value also set in the login cookie: the callback must come back to the browser that started it. */
  browserBinding: string;
  createdAt: number;
}

const LOGIN_TTL_MS = 10 * 60_000;

export type SessionLookup = { kind: 'ok'; session: Session } | { kind: 'expired' } | { kind: 'unknown' };

export function randomToken(bytes = 32): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly logins = new Map<string, PendingLogin>();

  private readonly clock: Clock;
  private readonly idleMs: number;
  private readonly maxMs: number;

  constructor(clock: Clock, idleMs: number, maxMs: number) {
    this.clock = clock;
    this.idleMs = idleMs;
    this.maxMs = maxMs;
  }

  create(operator: Operator, scopes: Scope[]): Session {
    this.sweep();
    const now = this.clock.now();
    const session: Session = { id: randomToken(), operator, scopes, csrfToken: randomToken(), createdAt: now, lastSeenAt: now };
    this.sessions.set(session.id, session);
    return session;
  }

  /** Finds a live session and records the activity; an expired one is removed and reported as such. */
  touch(id: string): SessionLookup {
    const session = this.sessions.get(id);
    if (!session) return { kind: 'unknown' };
    const now = this.clock.now();
    if (now - session.lastSeenAt > this.idleMs || now - session.createdAt > this.maxMs) {
      this.sessions.delete(id);
      return { kind: 'expired' };
    }
    session.lastSeenAt = now;
    return { kind: 'ok', session };
  }

  /** Whether a session is live, without counting as activity (the live-update stream polls this). */
  peek(id: string): boolean {
    const session = this.sessions.get(id);
    if (!session) return false;
    const now = this.clock.now();
    return now - session.lastSeenAt <= this.idleMs && now - session.createdAt <= this.maxMs;
  }

  /** When the session ends if the operator stays active. */
  expiresAt(session: Session): number {
    return Math.min(session.lastSeenAt + this.idleMs, session.createdAt + this.maxMs);
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  startLogin(): PendingLogin {
    this.sweep();
    const login: PendingLogin = {
      state: randomToken(),
      nonce: randomToken(),
      codeVerifier: randomToken(48),
      browserBinding: randomToken(),
      createdAt: this.clock.now(),
    };
    this.logins.set(login.state, login);
    return login;
  }

  /** Takes (once) the pending login a callback's state names, if it is recent. */
  takeLogin(state: string): PendingLogin | undefined {
    const login = this.logins.get(state);
    this.logins.delete(state);
    if (!login || this.clock.now() - login.createdAt > LOGIN_TTL_MS) return undefined;
    return login;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [id, s] of this.sessions) if (now - s.lastSeenAt > this.idleMs || now - s.createdAt > this.maxMs) this.sessions.delete(id);
    for (const [state, l] of this.logins) if (now - l.createdAt > LOGIN_TTL_MS) this.logins.delete(state);
  }
}

/**
 * Operator sessions, kept server-side in the store (every replica sees them; a restart logs nobody
 * out): the cookie carries only a random id, the store only its SHA-256 hash. A session ends after
 * `idleMs` without a request or `maxMs` after login, whichever comes first.
 */
import { sha256Hex } from '../audit/chain.ts';
import type { Scope } from '../config/scopes.ts';
import type { Clock } from '../platform.ts';
import type { SessionRecords } from '../store/types.ts';

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
  private readonly records: SessionRecords;
  private readonly clock: Clock;
  private readonly idleMs: number;
  private readonly maxMs: number;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(records: SessionRecords, clock: Clock, idleMs: number, maxMs: number) {
    this.records = records;
    this.clock = clock;
    this.idleMs = idleMs;
    this.maxMs = maxMs;
  }

  async create(operator: Operator, scopes: Scope[]): Promise<Session> {
    await this.sweep();
    const now = this.clock.now();
    const session: Session = { id: randomToken(), operator, scopes, csrfToken: randomToken(), createdAt: now, lastSeenAt: now };
    await this.records.putSession({ idHash: await sha256Hex(session.id), operator, scopes, csrfToken: session.csrfToken, createdAt: now, lastSeenAt: now });
    return session;
  }

  /** Finds a live session and records the activity; an expired one is removed and reported as such. */
  async touch(id: string): Promise<SessionLookup> {
    const idHash = await sha256Hex(id);
    const row = await this.records.getSession(idHash);
    if (!row) return { kind: 'unknown' };
    const now = this.clock.now();
    if (this.ended(row, now)) {
      await this.records.deleteSession(idHash);
      return { kind: 'expired' };
    }
    await this.records.touchSession(idHash, now);
    const session: Session = { id, operator: row.operator, scopes: row.scopes as Scope[], csrfToken: row.csrfToken, createdAt: row.createdAt, lastSeenAt: now };
    return { kind: 'ok', session };
  }

  /** Whether a session is live, without counting as activity (the live-update stream polls this). */
  async peek(id: string): Promise<boolean> {
    const row = await this.records.getSession(await sha256Hex(id));
    return row !== undefined && !this.ended(row, this.clock.now());
  }

  /** When the session ends if the operator stays active. */
  expiresAt(session: Session): number {
    return Math.min(session.lastSeenAt + this.idleMs, session.createdAt + this.maxMs);
  }

  async destroy(id: string): Promise<void> {
    await this.records.deleteSession(await sha256Hex(id));
  }

  async startLogin(): Promise<PendingLogin> {
    await this.sweep();
    const login: PendingLogin = {
      state: randomToken(),
      nonce: randomToken(),
      codeVerifier: randomToken(48),
      browserBinding: randomToken(),
      createdAt: this.clock.now(),
    };
    const { state: _state, ...rest } = login;
    await this.records.putLogin({ stateHash: await sha256Hex(login.state), ...rest });
    return login;
  }

  /** Takes (once, across every replica) the pending login a callback's state names, if it is recent. */
  async takeLogin(state: string): Promise<PendingLogin | undefined> {
    const row = await this.records.takeLogin(await sha256Hex(state));
    if (!row || this.clock.now() - row.createdAt > LOGIN_TTL_MS) return undefined;
    const { stateHash: _hash, ...rest } = row;
    return { state, ...rest };
  }

  private ended(row: { createdAt: number; lastSeenAt: number }, now: number): boolean {
    return now - row.lastSeenAt > this.idleMs || now - row.createdAt > this.maxMs;
  }

  /** Deletes ended sessions and stale logins, at most once a minute. */
  private async sweep(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    await this.records.pruneSessions(now - this.idleMs, now - this.maxMs, now - LOGIN_TTL_MS);
  }
}

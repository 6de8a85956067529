import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { createSqliteStore } from '../store/sqlite/index.ts';
import { SessionStore } from './sessions.ts';

const operator = { iss: 'https://idp.example', sub: 'alice', roles: ['ops'] };
const MIN = 60_000;

describe('SessionStore (on a real SQLite file)', () => {
  let dir: string;
  let clock: FakeClock;
  const opened: { close(): void }[] = [];
  /** A process on the shared database file: its own store and SessionStore. */
  const replica = (idleMs = 30 * MIN, maxMs = 8 * 60 * MIN) => {
    const sqlite = createSqliteStore(join(dir, 'state.db'), () => clock.now());
    opened.push(sqlite);
    return { sessions: new SessionStore(sqlite.store.sessions, clock, idleMs, maxMs), driver: sqlite.driver };
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-sessions-'));
    clock = new FakeClock();
  });
  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps an active session until the idle limit, then reports it expired once and forgets it', async () => {
    const { sessions: store } = replica(30 * MIN, 8 * 60 * MIN);
    const s = await store.create(operator, ['approve']);
    clock.advance(29 * MIN);
    expect((await store.touch(s.id)).kind).toBe('ok');
    clock.advance(29 * MIN);
    expect((await store.touch(s.id)).kind).toBe('ok');
    clock.advance(30 * MIN + 1);
    expect((await store.touch(s.id)).kind).toBe('expired');
    expect((await store.touch(s.id)).kind).toBe('unknown');
  });

  it('ends a session at the absolute limit however active it is; peek does not count as activity', async () => {
    const { sessions: store } = replica(30 * MIN, 60 * MIN);
    const s = await store.create(operator, ['approve']);
    clock.advance(25 * MIN);
    expect(await store.peek(s.id)).toBe(true);
    clock.advance(6 * MIN);
    // Peeking at 25 min did not extend the idle window: 31 min without a request.
    expect(await store.peek(s.id)).toBe(false);
    const t = await store.create(operator, ['approve']);
    for (let i = 0; i < 3; i++) {
      clock.advance(20 * MIN);
      expect((await store.touch(t.id)).kind).toBe('ok');
    }
    clock.advance(1);
    expect((await store.touch(t.id)).kind).toBe('expired');
  });

  it('gives each session its own random id and CSRF token, and destroys on logout', async () => {
    const { sessions: store } = replica(30 * MIN, 60 * MIN);
    const a = await store.create(operator, ['approve']);
    const b = await store.create(operator, ['approve']);
    expect(new Set([a.id, b.id, a.csrfToken, b.csrfToken]).size).toBe(4);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await store.destroy(a.id);
    expect((await store.touch(a.id)).kind).toBe('unknown');
    expect((await store.touch(b.id)).kind).toBe('ok');
  });

  it('hands a pending login out once, and not after ten minutes', async () => {
    const { sessions: store } = replica(30 * MIN, 60 * MIN);
    const login = await store.startLogin();
    expect(await store.takeLogin(login.state)).toEqual(login);
    expect(await store.takeLogin(login.state)).toBeUndefined();
    const late = await store.startLogin();
    clock.advance(10 * MIN + 1);
    expect(await store.takeLogin(late.state)).toBeUndefined();
    expect(await store.takeLogin('never-issued')).toBeUndefined();
  });

  it('is shared by every process on the database and survives a restart; a login is taken by one replica only', async () => {
    const one = replica();
    const two = replica();
    const s = await one.sessions.create(operator, ['approve', 'runs:read']);
    // Another replica (a load balancer without sticky sessions) accepts it, with the same CSRF token.
    const seen = await two.sessions.touch(s.id);
    expect(seen).toMatchObject({ kind: 'ok', session: { operator, scopes: ['approve', 'runs:read'], csrfToken: s.csrfToken } });
    // Activity on one replica counts on the other: 20 + 20 minutes of use stay under the 30-minute idle limit.
    clock.advance(20 * MIN);
    expect((await two.sessions.touch(s.id)).kind).toBe('ok');
    clock.advance(20 * MIN);
    expect((await one.sessions.touch(s.id)).kind).toBe('ok');
    // A restart (a new process on the same file) logs nobody out.
    for (const o of opened.splice(0)) o.close();
    const restarted = replica();
    expect((await restarted.sessions.touch(s.id)).kind).toBe('ok');

    const other = replica();
    const login = await restarted.sessions.startLogin();
    const [a, b] = await Promise.all([restarted.sessions.takeLogin(login.state), other.sessions.takeLogin(login.state)]);
    expect([a, b].filter(Boolean)).toEqual([login]);
    // Logging out on one replica ends the session on every one.
    await other.sessions.destroy(s.id);
    expect((await restarted.sessions.touch(s.id)).kind).toBe('unknown');
  });

  it('stores neither the session id nor the login state, only their hashes', async () => {
    const { sessions: store, driver } = replica();
    const s = await store.create(operator, ['approve']);
    const login = await store.startLogin();
    const rows = JSON.stringify([
      ...(await driver.all('SELECT * FROM console_sessions')),
      ...(await driver.all('SELECT * FROM console_logins')),
    ]);
    expect(rows).toContain(s.csrfToken);
    expect(rows).not.toContain(s.id);
    expect(rows).not.toContain(login.state);
  });
});

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { SessionStore } from './sessions.ts';

const operator = { iss: 'https://idp.example', sub: 'alice', roles: ['ops'] };
const MIN = 60_000;

describe('SessionStore', () => {
  it('keeps an active session until the idle limit, then reports it expired once and forgets it', () => {
    const clock = new FakeClock();
    const store = new SessionStore(clock, 30 * MIN, 8 * 60 * MIN);
    const s = store.create(operator, ['approve']);
    clock.advance(29 * MIN);
    expect(store.touch(s.id).kind).toBe('ok');
    clock.advance(29 * MIN);
    expect(store.touch(s.id).kind).toBe('ok');
    clock.advance(30 * MIN + 1);
    expect(store.touch(s.id).kind).toBe('expired');
    expect(store.touch(s.id).kind).toBe('unknown');
  });

  it('ends a session at the absolute limit however active it is; peek does not count as activity', () => {
    const clock = new FakeClock();
    const store = new SessionStore(clock, 30 * MIN, 60 * MIN);
    const s = store.create(operator, ['approve']);
    clock.advance(25 * MIN);
    expect(store.peek(s.id)).toBe(true);
    clock.advance(6 * MIN);
    // Peeking at 25 min did not extend the idle window: 31 min without a request.
    expect(store.peek(s.id)).toBe(false);
    const t = store.create(operator, ['approve']);
    for (let i = 0; i < 3; i++) {
      clock.advance(20 * MIN);
      expect(store.touch(t.id).kind).toBe('ok');
    }
    clock.advance(1);
    expect(store.touch(t.id).kind).toBe('expired');
  });

  it('gives each session its own random id and CSRF token, and destroys on logout', () => {
    const store = new SessionStore(new FakeClock(), 30 * MIN, 60 * MIN);
    const a = store.create(operator, ['approve']);
    const b = store.create(operator, ['approve']);
    expect(new Set([a.id, b.id, a.csrfToken, b.csrfToken]).size).toBe(4);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    store.destroy(a.id);
    expect(store.touch(a.id).kind).toBe('unknown');
    expect(store.touch(b.id).kind).toBe('ok');
  });

  it('hands a pending login out once, and not after ten minutes', () => {
    const clock = new FakeClock();
    const store = new SessionStore(clock, 30 * MIN, 60 * MIN);
    const login = store.startLogin();
    expect(store.takeLogin(login.state)).toEqual(login);
    expect(store.takeLogin(login.state)).toBeUndefined();
    const late = store.startLogin();
    clock.advance(10 * MIN + 1);
    expect(store.takeLogin(late.state)).toBeUndefined();
    expect(store.takeLogin('never-issued')).toBeUndefined();
  });
});

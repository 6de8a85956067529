/**
 * Idempotency-Key (IETF httpapi draft) per client through runMutation: stored-response replay with
 * Idempotency-Replayed, 422 on another payload, 409 while in flight, the webhook-id as the default key,
 * released keys after refusals, and exactly-once execution under concurrent same-key calls.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OTHER_THINGS_PATH, THINGS_PATH, type TestApp, createTestApp, thingJson } from '../support/app.ts';
import { freshId } from '../support/sign.ts';
import { sendSigned, signedFor } from './calls.ts';
import { expectRefusal } from './expect-problem.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.dispose());

describe('happy: replay of a completed call', () => {
  it('answers the same key and payload (a retry with a new webhook-id) from the stored response', async () => {
    const first = await sendSigned(t, THINGS_PATH, { idempotencyKey: 'run-42' });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotency-replayed')).toBeNull();
    const firstBody = await first.text();

    const retry = await sendSigned(t, THINGS_PATH, { idempotencyKey: 'run-42' });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotency-replayed')).toBe('true');
    expect(retry.headers.get('content-type')).toBe('application/json');
    expect(await retry.text()).toBe(firstBody);
    expect(t.things.executions).toBe(1);

    const replayed = (await t.audit()).filter((e) => e.action === 'request.replayed');
    expect(replayed).toHaveLength(1);
    expect(replayed[0]?.detail).toMatchObject({ idempotency_key: 'run-42', path: THINGS_PATH });
  });

  it('treats the sf-string form "run-7" and the bare token run-7 as the same key', async () => {
    expect((await sendSigned(t, THINGS_PATH, { idempotencyKey: '"run-7"' })).status).toBe(201);
    const retry = await sendSigned(t, THINGS_PATH, { idempotencyKey: 'run-7' });
    expect(retry.headers.get('idempotency-replayed')).toBe('true');
    expect(t.things.executions).toBe(1);
  });

  it('uses the webhook-id as the key when the header is absent: a redelivered message is not executed twice', async () => {
    const init = signedFor(t);
    const first = await t.app.request(THINGS_PATH, init);
    const again = await t.app.request(THINGS_PATH, init);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.headers.get('idempotency-replayed')).toBe('true');
    expect(await again.text()).toBe(await first.text());
    expect(t.things.executions).toBe(1);
  });

  it('scopes keys per client: two clients may use the same key independently', async () => {
    expect((await sendSigned(t, THINGS_PATH, { idempotencyKey: 'shared' })).status).toBe(201);
    const other = await sendSigned(t, THINGS_PATH, { clientId: 'rotating', idempotencyKey: 'shared', body: thingJson('two') });
    expect(other.status).toBe(201);
    expect(other.headers.get('idempotency-replayed')).toBeNull();
    expect(t.things.executions).toBe(2);
  });

  it('forgets a key after the retention period (24 h) and executes a new call with it', async () => {
    expect((await sendSigned(t, THINGS_PATH, { idempotencyKey: 'old' })).status).toBe(201);
    t.clock.advance(24 * 3_600_000 + 1);
    const later = await sendSigned(t, THINGS_PATH, { idempotencyKey: 'old', body: thingJson('new payload') });
    expect(later.status).toBe(201);
    expect(t.things.executions).toBe(2);
  });
});

describe('error: key conflicts', () => {
  it('refuses the same key with another payload (422), naming the key; nothing executes', async () => {
    expect((await sendSigned(t, THINGS_PATH, { idempotencyKey: 'k1' })).status).toBe(201);
    const res = await sendSigned(t, THINGS_PATH, { idempotencyKey: 'k1', body: thingJson('different') });
    const body = await expectRefusal(t, res, {
      status: 422,
      code: 'idempotency_key_mismatch',
      detail: /already used with a different method, path or body; use a new key/,
    });
    expect(body.idempotency_key).toBe('k1');
    expect(t.things.executions).toBe(1);
  });

  it('refuses the same key and body on another route (422): the path is part of the fingerprint', async () => {
    expect((await sendSigned(t, THINGS_PATH, { idempotencyKey: 'k2' })).status).toBe(201);
    const res = await sendSigned(t, OTHER_THINGS_PATH, { idempotencyKey: 'k2' });
    await expectRefusal(t, res, { status: 422, code: 'idempotency_key_mismatch', detail: /different method, path or body/ });
  });

  it('refuses the same key while the first call is in flight (409), then replays once it completes', async () => {
    const release = t.things.hold();
    const first = t.app.request(THINGS_PATH, signedFor(t, { idempotencyKey: 'slow' }));
    await t.things.arrived(1);
    const second = await sendSigned(t, THINGS_PATH, { idempotencyKey: 'slow' });
    const body = await expectRefusal(t, second, { status: 409, code: 'idempotency_in_flight', detail: /has not finished; retry later/ });
    expect(body.idempotency_key).toBe('slow');
    release();
    expect((await first).status).toBe(201);
    const third = await sendSigned(t, THINGS_PATH, { idempotencyKey: 'slow' });
    expect(third.headers.get('idempotency-replayed')).toBe('true');
    expect(t.things.executions).toBe(1);
  });

  it.each([
    ['too long (256 characters)', 'k'.repeat(256)],
    ['a control character', 'bad\tkey'],
    ['an empty quoted string', '""'],
  ])('refuses an Idempotency-Key that is %s (400)', async (_name, key) => {
    const res = await sendSigned(t, THINGS_PATH, { idempotencyKey: key });
    await expectRefusal(t, res, { status: 400, code: 'idempotency_key_invalid', detail: /1 to 255 printable ASCII characters/ });
    expect(t.things.executions).toBe(0);
  });
});

describe('security: refusals leave no idempotency state behind', () => {
  it('a key refused by schema validation (422) is free for the next good call', async () => {
    const bad = await sendSigned(t, THINGS_PATH, { idempotencyKey: 'k-val', body: JSON.stringify({ type: 'test.thing' }) });
    await expectRefusal(t, bad, { status: 422, code: 'validation_failed', detail: /^name: / });
    const good = await sendSigned(t, THINGS_PATH, { idempotencyKey: 'k-val' });
    expect(good.status).toBe(201);
    expect(good.headers.get('idempotency-replayed')).toBeNull();
  });

  it('a key refused by the handler is released (not cached) and free for a different payload', async () => {
    const refused = await sendSigned(t, THINGS_PATH, { idempotencyKey: 'k-h', body: thingJson('x', { refuse: true }) });
    await expectRefusal(t, refused, { status: 422, code: 'validation_failed', detail: /refuse: the test handler was asked to refuse/ });
    const good = await sendSigned(t, THINGS_PATH, { idempotencyKey: 'k-h', body: thingJson('y') });
    expect(good.status).toBe(201);
    expect(good.headers.get('idempotency-replayed')).toBeNull();
    expect(t.things.executions).toBe(1);
  });
});

describe('security: concurrent same-key calls execute exactly once', () => {
  const settle = (responses: Response[]) =>
    responses.map((r) => (r.headers.get('idempotency-replayed') === 'true' ? 'replayed' : String(r.status)));

  it('10 concurrent retries with one Idempotency-Key (each its own webhook-id): one 201, the rest 409 or replay', async () => {
    const inits = Array.from({ length: 10 }, () => signedFor(t, { idempotencyKey: 'burst' }));
    const outcomes = settle(await Promise.all(inits.map((init) => t.app.request(THINGS_PATH, init))));
    expect(t.things.executions).toBe(1);
    expect(outcomes.filter((o) => o === '201')).toHaveLength(1);
    expect(outcomes.every((o) => ['201', '409', 'replayed'].includes(o))).toBe(true);
  });

  it('10 concurrent retries while the first is held in flight: exactly one executes, nine get 409', async () => {
    const release = t.things.hold();
    const inits = Array.from({ length: 10 }, () => signedFor(t, { idempotencyKey: 'held' }));
    const pending = inits.map((init) => t.app.request(THINGS_PATH, init));
    // The first is inside the handler (held); the nine others are refused while it is: their refusals are audited.
    await t.things.arrived(1);
    await vi.waitFor(async () => {
      const refused = (await t.audit()).filter((e) => e.action === 'request.refused');
      expect(refused.map((e) => e.detail?.code)).toEqual(Array(9).fill('idempotency_in_flight'));
    });
    release();
    const outcomes = settle(await Promise.all(pending));
    expect(t.things.executions).toBe(1);
    expect(outcomes.sort()).toEqual(['201', ...Array(9).fill('409')]);
  });

  it('the same message delivered 10 times at once (no header, same webhook-id): executed once', async () => {
    const init = signedFor(t, { id: freshId() });
    const outcomes = settle(await Promise.all(Array.from({ length: 10 }, () => t.app.request(THINGS_PATH, { ...init }))));
    expect(t.things.executions).toBe(1);
    expect(outcomes.filter((o) => o === '201')).toHaveLength(1);
    expect(outcomes.every((o) => ['201', '409', 'replayed'].includes(o))).toBe(true);
  });
});

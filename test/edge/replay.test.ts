/**
 * The replay guard: every webhook-id is remembered durably for the window, across routes, clients
 * and restarts. A redelivery of the identical message is answered from its idempotency record (never
 * executed twice); anything else carrying a used webhook-id is refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replayWindowMs } from '../../src/services.ts';
import { OTHER_THINGS_PATH, THINGS_PATH, type TestApp, createTestApp, thingJson } from '../support/app.ts';
import { freshId } from '../support/sign.ts';
import { sendSigned, signedFor } from './calls.ts';
import { expectRefusal } from './expect-problem.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.dispose());

const reused = (id: string) => ({
  status: 409,
  code: 'webhook_id_reused',
  detail: new RegExp(`webhook-id ${id} was already used at 2026-01-01T00:00:00.000Z.*every message needs a fresh id`),
});

describe('security: a used webhook-id is refused for anything but the identical message', () => {
  it('refuses the same id re-signed over another body on the same route', async () => {
    const id = freshId();
    expect((await sendSigned(t, THINGS_PATH, { id })).status).toBe(201);
    await expectRefusal(t, await sendSigned(t, THINGS_PATH, { id, body: thingJson('other') }), reused(id));
    expect(t.things.executions).toBe(1);
  });

  it('refuses a captured message replayed verbatim on another route (the path is not signed)', async () => {
    const captured = signedFor(t);
    expect((await t.app.request(THINGS_PATH, captured)).status).toBe(201);
    await expectRefusal(t, await t.app.request(OTHER_THINGS_PATH, captured), reused(captured.headers['webhook-id'] ?? ''));
    expect(t.things.executions).toBe(1);
  });

  it("keeps ids per client: another client's id neither blocks nor reveals anything about this one's", async () => {
    const id = freshId();
    expect((await sendSigned(t, THINGS_PATH, { id })).status).toBe(201);
    // The same id from another client is that client's own first message (it signs with its own secret).
    expect((await sendSigned(t, THINGS_PATH, { id, clientId: 'rotating' })).status).toBe(201);
    expect(t.things.executions).toBe(2);
    // Each client still cannot reuse its own id for another request.
    await expectRefusal(t, await sendSigned(t, OTHER_THINGS_PATH, { id, clientId: 'rotating' }), reused(id));
  });

  it('a refused replay claims nothing: its Idempotency-Key is free for the next good call', async () => {
    const captured = signedFor(t);
    await t.app.request(THINGS_PATH, captured);
    const replay = { ...captured, headers: { ...captured.headers, 'idempotency-key': 'after-replay' } };
    await expectRefusal(t, await t.app.request(OTHER_THINGS_PATH, replay), reused(captured.headers['webhook-id'] ?? ''));
    const good = await sendSigned(t, OTHER_THINGS_PATH, { idempotencyKey: 'after-replay' });
    expect(good.status).toBe(201);
    expect(good.headers.get('idempotency-replayed')).toBeNull();
  });

  it('pruning the guard after the window reopens nothing: the old message is then out of tolerance', async () => {
    const captured = signedFor(t);
    await t.app.request(THINGS_PATH, captured);
    t.clock.advance(replayWindowMs(t.services.settings) + 1);
    const pruned = await t.store.prune(t.clock.now(), replayWindowMs(t.services.settings));
    expect(pruned.replay).toBe(1);
    const res = await t.app.request(OTHER_THINGS_PATH, captured);
    await expectRefusal(t, res, { status: 401, code: 'timestamp_out_of_tolerance', detail: /s old; the tolerance is 300 s/ });
  });
});

describe('security: the guard survives a restart (SQLite file reopened)', () => {
  it('after closing and reopening the store, a replay is still refused and a redelivery still not re-executed', async () => {
    const captured = signedFor(t);
    expect((await t.app.request(THINGS_PATH, captured)).status).toBe(201);
    t = await t.restart();

    const elsewhere = await t.app.request(OTHER_THINGS_PATH, captured);
    await expectRefusal(t, elsewhere, reused(captured.headers['webhook-id'] ?? ''));
    const again = await t.app.request(THINGS_PATH, captured);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotency-replayed')).toBe('true');
    expect(t.things.executions).toBe(1);
  });
});

describe('replays that must be refused (found as bugs, fixed in src/)', () => {
  // The Idempotency-Key header is not signed, so the replay guard binds the webhook-id to the key it
  // first came with: a captured message resent under another key must not execute a second time.
  it('refuses a captured message replayed with an added Idempotency-Key', async () => {
    const captured = signedFor(t);
    expect((await t.app.request(THINGS_PATH, captured)).status).toBe(201);
    const replay = { ...captured, headers: { ...captured.headers, 'idempotency-key': 'attacker-chosen' } };
    await expectRefusal(t, await t.app.request(THINGS_PATH, replay), reused(captured.headers['webhook-id'] ?? ''));
    expect(t.things.executions).toBe(1);
  });

  it('refuses a captured message replayed with a changed Idempotency-Key', async () => {
    const captured = signedFor(t, { idempotencyKey: 'original' });
    expect((await t.app.request(THINGS_PATH, captured)).status).toBe(201);
    const replay = { ...captured, headers: { ...captured.headers, 'idempotency-key': 'original-2' } };
    await expectRefusal(t, await t.app.request(THINGS_PATH, replay), reused(captured.headers['webhook-id'] ?? ''));
    expect(t.things.executions).toBe(1);
  });

  // Signed reads are admitted through the replay guard too: their webhook-id is accepted once.
  it('refuses a replayed signed read on the same route', async () => {
    const captured = signedFor(t, { method: 'GET' });
    expect((await t.app.request('/v1/whoami', captured)).status).toBe(200);
    await expectRefusal(t, await t.app.request('/v1/whoami', captured), reused(captured.headers['webhook-id'] ?? ''));
  });

  it('refuses a signed read replayed on another read route', async () => {
    const captured = signedFor(t, { method: 'GET' });
    expect((await t.app.request('/v1/whoami', captured)).status).toBe(200);
    const res = await t.app.request(THINGS_PATH, captured);
    expect(res.status).toBe(409);
  });
});

/**
 * Standard Webhooks v1 at the edge: what is accepted (our independent signer, the public
 * `standardwebhooks` library, rotation, several signatures, the ±300 s edges) and every way a
 * signature can be missing, malformed, wrong, stale or future-dated.
 */
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SECRETS, THINGS_PATH, type TestApp, createTestApp, thingJson } from '../support/app.ts';
import { CLIENT_HEADER, freshId, signV1, testSecret } from '../support/sign.ts';
import { sendSigned, signedFor } from './calls.ts';
import { expectRefusal } from './expect-problem.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.dispose());

const nowSeconds = (): number => Math.floor(t.clock.now() / 1000);

describe('happy: accepted signatures', () => {
  it('accepts a call signed by an independent HMAC implementation and executes it once', async () => {
    const res = await sendSigned(t, THINGS_PATH);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id: 'thing_1', name: 'one' });
    expect(t.things.executions).toBe(1);
  });

  it('interoperates with the public standardwebhooks library signer', async () => {
    const body = thingJson('from-library');
    const id = freshId();
    const signature = new Webhook(SECRETS.soar).sign(id, new Date(t.clock.now()), body);
    const res = await t.app.request(THINGS_PATH, {
      method: 'POST',
      body,
      headers: {
        'webhook-id': id,
        'webhook-timestamp': String(nowSeconds()),
        'webhook-signature': signature,
        [CLIENT_HEADER]: 'soar',
        'content-type': 'application/json',
      },
    });
    expect(res.status).toBe(201);
    expect(t.things.executions).toBe(1);
  });

  it('accepts either active secret of a rotating client, and both at once', async () => {
    for (const secret of [SECRETS.rotatingOld, SECRETS.rotatingNew, [SECRETS.rotatingOld, SECRETS.rotatingNew]]) {
      const res = await sendSigned(t, THINGS_PATH, { clientId: 'rotating', secret, body: thingJson(freshId()) });
      expect(res.status).toBe(201);
    }
    expect(t.things.executions).toBe(3);
  });

  it('accepts when any one of several space-separated signatures matches, ignoring other versions', async () => {
    const init = signedFor(t, { body: thingJson('several') });
    const good = init.headers['webhook-signature'];
    const wrong = `v1,${signV1(testSecret(), init.headers['webhook-id'] ?? '', nowSeconds(), thingJson('several'))}`;
    init.headers['webhook-signature'] = `v1a,AAAA ${wrong} ${good}`;
    expect((await t.app.request(THINGS_PATH, init)).status).toBe(201);
  });

  it('accepts timestamps exactly 300 s old and 300 s ahead (the tolerance is inclusive)', async () => {
    for (const skew of [-300, 300]) {
      const res = await sendSigned(t, THINGS_PATH, { timestamp: nowSeconds() + skew, body: thingJson(`skew${skew}`) });
      expect(res.status).toBe(201);
    }
  });
});

describe('error: missing and malformed signature headers (401, nothing executed)', () => {
  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('refuses a call without %s, naming it', async (header) => {
    const res = await sendSigned(t, THINGS_PATH, { headers: { [header]: null } });
    const body = await expectRefusal(t, res, { status: 401, code: 'signature_missing', detail: new RegExp(`missing header ${header}`) });
    expect(body.detail).toMatch(/webhook-id, webhook-timestamp and webhook-signature/);
  });

  it('refuses a call with no authentication at all', async () => {
    const res = await t.app.request(THINGS_PATH, { method: 'POST', body: thingJson(), headers: { 'content-type': 'application/json' } });
    await expectRefusal(t, res, { status: 401, code: 'signature_missing', detail: /missing header webhook-id, webhook-timestamp, webhook-signature/ });
  });

  it.each([
    ['a webhook-id with a space', { 'webhook-id': 'msg 1' }, /webhook-id must be 1 to 255 printable ASCII/],
    ['a non-numeric timestamp', { 'webhook-timestamp': '2026-01-01T00:00:00Z' }, /webhook-timestamp must be integer seconds/],
    ['a signature that is not base64', { 'webhook-signature': 'v1,%%%not-base64%%%' }, /v1 value that is not base64/],
    ['only non-v1 signatures', { 'webhook-signature': 'v1a,AAAA v2,BBBB' }, /no v1 signature: expected space-separated "v1,<base64>"/],
    ['a signature without version', { 'webhook-signature': 'c2lnbmF0dXJl' }, /no v1 signature/],
  ])('refuses %s as signature_malformed', async (_name, headers, detail) => {
    const res = await sendSigned(t, THINGS_PATH, { headers });
    await expectRefusal(t, res, { status: 401, code: 'signature_malformed', detail });
    expect(t.things.executions).toBe(0);
  });
});

describe('error: wrong signatures (401 signature_invalid)', () => {
  const invalid = { status: 401, code: 'signature_invalid', detail: /no v1 signature matches: sign "\{webhook-id\}\.\{webhook-timestamp\}\.\{exact body\}"/ };

  it('refuses a call signed with another secret', async () => {
    await expectRefusal(t, await sendSigned(t, THINGS_PATH, { secret: testSecret() }), invalid);
  });

  it("refuses a call signed with another client's secret", async () => {
    await expectRefusal(t, await sendSigned(t, THINGS_PATH, { secret: SECRETS.reader }), invalid);
  });

  it('refuses a body changed after signing (one byte)', async () => {
    const init = signedFor(t, { body: thingJson('abc') });
    init.body = thingJson('abd');
    await expectRefusal(t, await t.app.request(THINGS_PATH, init), invalid);
  });

  it('refuses a changed webhook-id or timestamp under an otherwise valid signature', async () => {
    const a = signedFor(t);
    a.headers['webhook-id'] = freshId();
    await expectRefusal(t, await t.app.request(THINGS_PATH, a), invalid);
    const b = signedFor(t);
    b.headers['webhook-timestamp'] = String(nowSeconds() - 1);
    await expectRefusal(t, await t.app.request(THINGS_PATH, b), invalid);
  });

  it('refuses a truncated signature (lengths differ) without crashing', async () => {
    const init = signedFor(t);
    init.headers['webhook-signature'] = (init.headers['webhook-signature'] ?? '').slice(0, -4); // 30 of 32 bytes, still base64
    await expectRefusal(t, await t.app.request(THINGS_PATH, init), invalid);
    expect(t.things.executions).toBe(0);
  });
});

describe('error: timestamps outside ±300 s (401 timestamp_out_of_tolerance)', () => {
  it('refuses a signature 301 s old, saying how old and the tolerance', async () => {
    const res = await sendSigned(t, THINGS_PATH, { timestamp: nowSeconds() - 301 });
    await expectRefusal(t, res, { status: 401, code: 'timestamp_out_of_tolerance', detail: /301 s old; the tolerance is 300 s/ });
  });

  it('refuses a signature 301 s in the future, pointing at the signer clock', async () => {
    const res = await sendSigned(t, THINGS_PATH, { timestamp: nowSeconds() + 301 });
    await expectRefusal(t, res, { status: 401, code: 'timestamp_out_of_tolerance', detail: /301 s in the future.*signer's clock/ });
  });

  it('refuses a message that was valid when signed but arrives after the window (clock moves)', async () => {
    const init = signedFor(t);
    t.clock.advance(301_000);
    await expectRefusal(t, await t.app.request(THINGS_PATH, init), { status: 401, code: 'timestamp_out_of_tolerance', detail: /301 s old/ });
    expect(t.things.executions).toBe(0);
  });
});

describe('error: unknown client (401 unknown_client)', () => {
  it('refuses a call without the portcullis-client header, naming it', async () => {
    const res = await sendSigned(t, THINGS_PATH, { headers: { [CLIENT_HEADER]: null } });
    await expectRefusal(t, res, { status: 401, code: 'unknown_client', detail: /missing header portcullis-client/ });
  });

  it('refuses a client id that is not configured, even with a well-formed signature', async () => {
    const res = await sendSigned(t, THINGS_PATH, { clientId: 'ghost', secret: testSecret() });
    await expectRefusal(t, res, { status: 401, code: 'unknown_client', detail: /no client "ghost" is configured/ });
  });
});

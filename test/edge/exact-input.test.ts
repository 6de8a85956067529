/**
 * Issue 9, items 12 and 13: the signature covers exactly what was sent (the timestamp header text and
 * the raw body bytes), bytes that are not UTF-8 and other charsets are refused, keys that cannot be
 * represented are refused, and maxIndicators counts what was sent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SECRETS, THINGS_PATH, type TestApp, createTestApp } from '../support/app.ts';
import { type E2E, startE2E } from '../support/e2e.ts';
import { CLIENT_HEADER, freshId, signV1, signV1Bytes } from '../support/sign.ts';
import { signedFor } from './calls.ts';
import { expectRefusal } from './expect-problem.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.dispose());

const seconds = (): number => Math.floor(t.clock.now() / 1000);

function rawCall(body: Uint8Array, timestampText: string, signature: string, contentType = 'application/json'): RequestInit {
  return {
    method: 'POST',
    body,
    headers: {
      'webhook-id': freshId(),
      'webhook-timestamp': timestampText,
      'webhook-signature': `v1,${signature}`,
      [CLIENT_HEADER]: 'soar',
      'content-type': contentType,
    },
  };
}

describe('security: the MAC covers the header text and the raw bytes', () => {
  it('refuses "0<T>" signed as "<T>": the timestamp is signed as sent, not as a number', async () => {
    const body = '{"type":"test.thing","name":"zero"}';
    const id = freshId();
    const init = signedFor(t, { id, body });
    init.headers['webhook-timestamp'] = `0${seconds()}`;
    init.headers['webhook-signature'] = `v1,${signV1(SECRETS.soar, id, seconds(), body)}`;
    await expectRefusal(t, await t.app.request(THINGS_PATH, init), { status: 401, code: 'signature_invalid', detail: /no v1 signature matches/ });
    expect(t.things.executions).toBe(0);
  });

  it('accepts "0<T>" when that is the text that was signed', async () => {
    const bytes = new TextEncoder().encode('{"type":"test.thing","name":"zero"}');
    const ts = `0${seconds()}`;
    const init = rawCall(bytes, ts, '');
    const headers = init.headers as Record<string, string>;
    headers['webhook-signature'] = `v1,${signV1Bytes(SECRETS.soar, headers['webhook-id'] as string, ts, bytes)}`;
    expect((await t.app.request(THINGS_PATH, init)).status).toBe(201);
  });

  it('refuses invalid UTF-8 signed as its U+FFFD decoding (401), and names it when signed as sent (400)', async () => {
    const prefix = new TextEncoder().encode('{"type":"test.thing","name":"a');
    const suffix = new TextEncoder().encode('"}');
    const bytes = new Uint8Array([...prefix, 0xff, 0xfe, ...suffix]);
    const decoded = new TextDecoder().decode(bytes); // what a lenient decoder sees: U+FFFD U+FFFD
    expect(decoded).toContain('\ufffd');
    const ts = String(seconds());

    const asDecoded = rawCall(bytes, ts, '');
    const h1 = asDecoded.headers as Record<string, string>;
    h1['webhook-signature'] = `v1,${signV1(SECRETS.soar, h1['webhook-id'] as string, seconds(), decoded)}`;
    await expectRefusal(t, await t.app.request(THINGS_PATH, asDecoded), { status: 401, code: 'signature_invalid', detail: /no v1 signature/ });

    const asSent = rawCall(bytes, ts, '');
    const h2 = asSent.headers as Record<string, string>;
    h2['webhook-signature'] = `v1,${signV1Bytes(SECRETS.soar, h2['webhook-id'] as string, ts, bytes)}`;
    const problem = await expectRefusal(t, await t.app.request(THINGS_PATH, asSent), { status: 400, code: 'body_not_utf8', detail: /not valid UTF-8.*offset 30/ });
    expect(problem.offset).toBe(30);
    expect(t.things.executions).toBe(0);
  });

  it('refuses a charset other than UTF-8 with 415 naming it, and accepts charset=utf-8', async () => {
    const body = '{"type":"test.thing","name":"latin"}';
    const refused = signedFor(t, { body, contentType: 'application/json; charset=ISO-8859-1' });
    await expectRefusal(t, await t.app.request(THINGS_PATH, refused), { status: 415, code: 'unsupported_media_type', detail: /charset "iso-8859-1".*UTF-8/ });
    const ok = signedFor(t, { body, contentType: 'application/json; charset="UTF-8"' });
    expect((await t.app.request(THINGS_PATH, ok)).status).toBe(201);
    expect(t.things.executions).toBe(1);
  });
});

describe('error: keys that cannot be represented', () => {
  for (const [name, body] of [
    ['__proto__', '{"type":"test.thing","name":"p","__proto__":{"admin":true}}'],
    ['an escaped __proto__', '{"type":"test.thing","name":"p","\\u005f_proto__":{"admin":true}}'],
    ['a nested constructor.prototype', '{"type":"test.thing","name":"p","x":{"constructor":{"prototype":{"admin":true}}}}'],
  ] as const) {
    it(`refuses ${name} with 422 forbidden_json_key and executes nothing`, async () => {
      const res = await t.app.request(THINGS_PATH, signedFor(t, { body }));
      await expectRefusal(t, res, { status: 422, code: 'forbidden_json_key', detail: /__proto__/ });
      expect(t.things.executions).toBe(0);
    });
  }
});

describe('error: maxIndicators counts what was sent', () => {
  let e: E2E;
  beforeEach(async () => {
    e = await startE2E();
  });
  afterEach(async () => {
    await e.close();
  });

  it('refuses 1,001 copies of one address (the playbook allows 1,000)', async () => {
    const res = await e.call('POST', '/v1/playbooks/block-ip/runs', { playbook: 'block-ip', inputs: { indicators: Array(1001).fill('203.0.113.9') } });
    const body = (await res.json()) as { code: string; detail: string };
    expect(res.status).toBe(422);
    expect(body.code).toBe('guardrail_refused');
    expect(body.detail).toMatch(/maxIndicators: 1001 indicators in one call; at most 1000/);
  });
});

/**
 * The redaction canary: a client whose HMAC secret and bearer token are canaries. Good and bad calls
 * (including refusals that echo request headers) are sent; neither the secret (whsec_ form, its base64,
 * its raw bytes), the token, nor any signature sent may appear in a log line, a response or the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENTS, DEFAULT_ENV, THINGS_PATH, type TestApp, createTestApp, thingJson } from '../support/app.ts';
import { freshId, secretFromText, signedInit } from '../support/sign.ts';

const CANARY_RAW = 'CANARY-hmac-key-7f3a9c-never-log-me!';
const CANARY_SECRET = secretFromText(CANARY_RAW);
const CANARY_TOKEN = 'canary-bearer-TOKEN-5e1d2b-never-log-me';

let t: TestApp;
const seen: string[] = [];
const signaturesSent: string[] = [];

async function send(path: string, init: RequestInit & { headers: Record<string, string> }): Promise<Response> {
  const sig = init.headers['webhook-signature'];
  if (sig) signaturesSent.push(...sig.split(' ').map((s) => s.replace(/^v1,/, '')));
  const res = await t.app.request(path, init);
  seen.push(`${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`);
  return res;
}

const canarySigned = (over: Partial<Parameters<typeof signedInit>[0]> = {}) =>
  signedInit({
    clientId: 'canary',
    secret: CANARY_SECRET,
    body: over.method === 'GET' ? '' : thingJson(freshId()),
    nowMs: t.clock.now(),
    ...over,
  });
const bearer = (token: string, method = 'GET') => ({
  method,
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  ...(method === 'GET' ? {} : { body: thingJson() }),
});

beforeAll(async () => {
  t = await createTestApp({
    clients: [
      ...DEFAULT_CLIENTS,
      { id: 'canary', scopes: ['block', 'runs:read'], secrets: [{ env: 'CANARY_SECRET' }], tokens: [{ env: 'CANARY_TOKEN' }] },
    ],
    env: { ...DEFAULT_ENV, CANARY_SECRET, CANARY_TOKEN },
  });
  const statuses = [
    (await send(THINGS_PATH, canarySigned())).status,
    (await send('/v1/whoami', canarySigned({ method: 'GET' }))).status,
    (await send('/v1/whoami', bearer(CANARY_TOKEN))).status,
    (await send(THINGS_PATH, bearer(CANARY_TOKEN, 'POST'))).status,
    (await send('/v1/whoami', bearer(`${CANARY_TOKEN}-wrong`))).status,
    (await send(THINGS_PATH, canarySigned({ secret: secretFromText(`${CANARY_RAW}-x`) }))).status,
    (await send(THINGS_PATH, canarySigned({ timestamp: Math.floor(t.clock.now() / 1000) - 400 }))).status,
    (await send(THINGS_PATH, canarySigned({ body: '{"type":"test.thing","name":' }))).status,
    (await send(THINGS_PATH, canarySigned({ headers: { 'portcullis-client': 'ghost-client' } }))).status,
    (await send(THINGS_PATH, canarySigned({ contentType: 'text/plain' }))).status,
    (await send(THINGS_PATH, canarySigned({ body: thingJson('x', { padding: 'p'.repeat(300 * 1024) }) }))).status,
  ];
  const first = canarySigned({ idempotencyKey: 'canary-key' });
  statuses.push((await send(THINGS_PATH, first)).status);
  statuses.push((await send(`${THINGS_PATH.replace('things', 'other-things')}`, first)).status);
  statuses.push((await send(THINGS_PATH, canarySigned({ idempotencyKey: 'canary-key' }))).status);
  expect(statuses).toEqual([201, 200, 200, 401, 401, 401, 401, 400, 401, 415, 413, 201, 409, 422]);
  // The logger's own redaction, the second line of defence, on the shapes it promises to cover.
  t.services.log.info(
    {
      secret: CANARY_SECRET,
      token: CANARY_TOKEN,
      authorization: `Bearer ${CANARY_TOKEN}`,
      signature: signaturesSent[0],
      headers: { authorization: `Bearer ${CANARY_TOKEN}`, 'webhook-signature': `v1,${signaturesSent[0]}` },
      client: { secrets: [CANARY_SECRET], sandboxValue: CANARY_SECRET, token: CANARY_TOKEN },
    },
    'a careless log call',
  );
});
afterAll(() => t.dispose());

// Fixed at collection time (it.each runs before beforeAll); the signatures are checked in their own test.
const canaryForms = (): [string, string][] => [
  ['whsec_ secret', CANARY_SECRET],
  ['base64 key', CANARY_SECRET.slice('whsec_'.length)],
  ['raw key bytes', CANARY_RAW],
  ['bearer token', CANARY_TOKEN],
];

describe('security: the canary never leaves the process', () => {
  it('captured every request in the logs and every response (the search has something to search)', () => {
    const requestLines = t.logs.records.filter((r) => r.msg === 'request');
    expect(requestLines).toHaveLength(14);
    expect(seen).toHaveLength(14);
    expect(signaturesSent.length).toBe(11);
    expect(t.logs.text).toContain('[redacted]');
  });

  it.each(canaryForms())('no log line contains the %s', (_form, value) => {
    expect(t.logs.text).not.toContain(value);
  });

  it.each(canaryForms())('no response (status, headers, body) contains the %s', (_form, value) => {
    for (const response of seen) expect(response).not.toContain(value);
  });

  it.each(canaryForms())('no audit event contains the %s', async (_form, value) => {
    expect(JSON.stringify(await t.audit())).not.toContain(value);
  });

  it('no log line, response or audit event contains any signature that was sent', async () => {
    const audit = JSON.stringify(await t.audit());
    for (const signature of signaturesSent) {
      expect(t.logs.text).not.toContain(signature);
      for (const response of seen) expect(response).not.toContain(signature);
      expect(audit).not.toContain(signature);
    }
  });
});

/**
 * GET /v1/whoami, the real read route: a signed call or a bearer token with a read scope. Tokens are
 * kept only as SHA-256 hashes; bearer tokens never open a mutating route.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENTS, DEFAULT_ENV, THINGS_PATH, TOKENS, type TestApp, createTestApp } from '../support/app.ts';
import { sendBearer, sendSigned } from './calls.ts';
import { expectRefusal } from './expect-problem.ts';

let t: TestApp;
afterEach(() => t.dispose());

describe('happy', () => {
  it('answers a signed call with the client, its scopes and auth=signature', async () => {
    t = await createTestApp();
    const res = await sendSigned(t, '/v1/whoami', { method: 'GET' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ client: 'soar', scopes: ['block', 'runs:read'], auth: 'signature' });
  });

  it('answers a bearer token with a read scope with auth=token', async () => {
    t = await createTestApp();
    const res = await sendBearer(t, '/v1/whoami', `Bearer ${TOKENS.reader}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ client: 'reader', scopes: ['runs:read'], auth: 'token' });
  });

  it('accepts a token configured only by its SHA-256 hash, and keeps no token in the registry', async () => {
    const token = `hashed-only-token-${crypto.randomUUID()}`;
    const sha256 = createHash('sha256').update(token).digest('hex');
    t = await createTestApp({
      clients: [...DEFAULT_CLIENTS, { id: 'hashed', scopes: ['runs:read'], secrets: [{ env: 'READER_SECRET' }], tokens: [{ sha256 }] }],
    });
    const res = await sendBearer(t, '/v1/whoami', `Bearer ${token}`);
    expect(await res.json()).toMatchObject({ client: 'hashed', auth: 'token' });
    const registry = JSON.stringify(t.services.clients.list(), (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
    for (const plain of [token, ...Object.values(TOKENS), ...Object.values(DEFAULT_ENV)]) expect(registry).not.toContain(plain);
  });
});

describe('error', () => {
  it.each([
    ['an unknown token', `Bearer unknown-token-${'x'.repeat(20)}`],
    ['a token that is too short', 'Bearer abc'],
    ['another scheme', `Basic ${Buffer.from('reader:pw').toString('base64')}`],
    ['a token with a suffix', `Bearer ${TOKENS.reader}x`],
  ])('refuses %s (401 token_invalid)', async (_name, authorization) => {
    t = await createTestApp();
    const res = await sendBearer(t, '/v1/whoami', authorization);
    await expectRefusal(t, res, { status: 401, code: 'token_invalid', detail: /must be "Bearer <token>" with a token configured for a client/ });
  });

  it('refuses a bearer token whose client lacks the read scope (403), naming the scope', async () => {
    t = await createTestApp();
    const res = await sendBearer(t, '/v1/whoami', `Bearer ${TOKENS.auditor}`);
    const body = await expectRefusal(t, res, { status: 403, code: 'scope_denied', detail: /client "auditor" lacks the "runs:read" scope/ });
    expect(body.required_scope).toBe('runs:read');
  });

  it('refuses a signed call from a client without the read scope (403)', async () => {
    t = await createTestApp();
    const res = await sendSigned(t, '/v1/whoami', { method: 'GET', clientId: 'auditor' });
    await expectRefusal(t, res, { status: 403, code: 'scope_denied', detail: /lacks the "runs:read" scope/ });
  });
});

describe('security: bearer tokens never open a mutating route', () => {
  it('refuses a valid token on POST (401 signature_missing) and executes nothing', async () => {
    t = await createTestApp();
    const res = await t.app.request(THINGS_PATH, {
      method: 'POST',
      body: JSON.stringify({ type: 'test.thing', name: 'x' }),
      headers: { authorization: `Bearer ${TOKENS.soar}`, 'content-type': 'application/json' },
    });
    await expectRefusal(t, res, { status: 401, code: 'signature_missing', detail: /bearer tokens are accepted on read-only endpoints only/ });
    expect(t.things.executions).toBe(0);
  });
});

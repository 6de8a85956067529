/** `portcullis keys new`: a fresh whsec_ secret of 32 random bytes that both signers accept. */
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { THINGS_PATH, createTestApp } from '../support/app.ts';
import { signedInit } from '../support/sign.ts';
import { runCapture } from './run.ts';

describe('keys new', () => {
  it('prints one whsec_ secret: base64 of 32 bytes, exit 0, nothing on stderr', async () => {
    const { code, out, err } = await runCapture(['keys', 'new']);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(out.slice('whsec_'.length), 'base64')).toHaveLength(32);
  });

  it('prints a different secret every time (20 runs, no repeats, bytes not constant)', async () => {
    const secrets = await Promise.all(Array.from({ length: 20 }, async () => (await runCapture(['keys', 'new'])).out));
    expect(new Set(secrets).size).toBe(20);
    const bytes = Buffer.concat(secrets.map((s) => Buffer.from(s.slice(6), 'base64')));
    expect(new Set(bytes).size).toBeGreaterThan(100);
  });

  it('is accepted by the standardwebhooks library and, configured for a client, by the service', async () => {
    const secret = (await runCapture(['keys', 'new'])).out;
    const hook = new Webhook(secret);
    const body = JSON.stringify({ type: 'test.thing', name: 'k' });
    const now = new Date();
    const headers = { 'webhook-id': 'msg_k', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': hook.sign('msg_k', now, body) };
    expect(hook.verify(body, headers)).toEqual(JSON.parse(body));

    const t = await createTestApp({
      clients: [{ id: 'fresh', scopes: ['block'], secrets: [{ env: 'FRESH' }], tokens: [] }],
      env: { FRESH: secret },
    });
    try {
      const res = await t.app.request(THINGS_PATH, signedInit({ clientId: 'fresh', secret, body, nowMs: t.clock.now() }));
      expect(res.status).toBe(201);
    } finally {
      t.dispose();
    }
  });
});

describe('usage', () => {
  it('exits 2 with the usage on an unknown command, 0 on help', async () => {
    const unknown = await runCapture(['keys', 'old']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown command: keys old[\s\S]*keys new\s+print a fresh whsec_ secret/);
    expect((await runCapture(['--help'])).code).toBe(0);
  });
});

describe('keys audit', () => {
  it('writes an Ed25519 private key (0600, never printed) whose signatures the printed public key verifies', async () => {
    const { mkdtempSync, readFileSync, statSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { createPrivateKey, createPublicKey, sign, verify } = await import('node:crypto');
    const { runCli } = await import('../../src/cli/main.ts');
    const file = join(mkdtempSync(join(tmpdir(), 'keys-audit-')), 'audit.key');
    const out: string[] = [];
    const code = await runCli(['keys', 'audit', '--out', file], { out: (s) => out.push(s), err: () => undefined, env: {} });
    expect(code).toBe(0);
    const pem = readFileSync(file, 'utf8');
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(out.join('\n')).not.toContain('PRIVATE');
    const signature = sign(null, Buffer.from('checkpoint'), createPrivateKey(pem));
    expect(verify(null, Buffer.from('checkpoint'), createPublicKey(out.join('\n')), signature)).toBe(true);
    // Never overwrites an existing key.
    const errors: string[] = [];
    expect(await runCli(['keys', 'audit', '--out', file], { out: () => undefined, err: (s) => errors.push(s), env: {} })).toBe(1);
    expect(errors.join('')).toMatch(/it exists \(a key is never overwritten\)/);
    expect(readFileSync(file, 'utf8')).toBe(pem);
  });
});

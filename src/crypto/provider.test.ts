import { describe, expect, it } from 'vitest';
import { nodeCryptoProvider } from './node.ts';
import { webCryptoProvider } from './provider.ts';

describe('crypto providers', () => {
  it('node:crypto and Web Crypto give the same SHA-256 and HMAC-SHA256', async () => {
    for (const text of ['', 'portcullis', 'é漢🙂\n'.repeat(50)]) {
      expect(nodeCryptoProvider.sha256Hex(text)).toBe(await webCryptoProvider.sha256Hex(text));
      const key = new TextEncoder().encode(`key-${text.length}`.padEnd(32, 'k'));
      expect([...(await nodeCryptoProvider.hmacSha256(key, text))]).toEqual([...(await webCryptoProvider.hmacSha256(key, text))]);
    }
  });

  it('matches a known SHA-256 vector', () => {
    expect(nodeCryptoProvider.sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

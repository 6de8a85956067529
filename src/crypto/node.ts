import { createHash, createHmac } from 'node:crypto';
import type { CryptoProvider } from './provider.ts';

/** node:crypto, synchronous: no thread-pool round trip per digest (see src/crypto/provider.ts). */
export const nodeCryptoProvider: CryptoProvider = {
  sha256Hex: (text) => createHash('sha256').update(text, 'utf8').digest('hex'),
  hmacSha256: (key, data) =>
    new Uint8Array((typeof data === 'string' ? createHmac('sha256', key).update(data, 'utf8') : createHmac('sha256', key).update(data)).digest()),
};

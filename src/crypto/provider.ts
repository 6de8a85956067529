/**
 * The two hash primitives the service needs on every request: SHA-256 (fingerprints, the audit chain)
 * and HMAC-SHA256 (signatures). The default uses Web Crypto, which runs everywhere (Workers included).
 * On Node, Web Crypto goes through the libuv thread pool, costing a round trip per digest; the Node
 * entry point installs node:crypto's synchronous versions with `useCryptoProvider` (src/crypto/node.ts).
 */
export interface CryptoProvider {
  sha256Hex(text: string): string | Promise<string>;
  /** HMAC-SHA256 of `data` (text is taken as UTF-8; bytes exactly as given) with raw key bytes. */
  hmacSha256(key: Uint8Array, data: string | Uint8Array): Uint8Array | Promise<Uint8Array>;
}

const encoder = new TextEncoder();

export const webCryptoProvider: CryptoProvider = {
  async sha256Hex(text) {
    const digest = await crypto.subtle.digest('SHA-256', encoder.encode(text));
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  },
  async hmacSha256(key, data) {
    const cryptoKey = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, typeof data === 'string' ? encoder.encode(data) : data));
  },
};

let active: CryptoProvider = webCryptoProvider;

/** Chosen once by an entry point, before the app serves. */
export function useCryptoProvider(provider: CryptoProvider): void {
  active = provider;
}

export function cryptoProvider(): CryptoProvider {
  return active;
}

/**
 * Node only: in a sandbox without `audit.signingKey`, the checkpoint key is created in the data
 * directory on first start (Ed25519, PKCS#8 PEM, mode 0600) and reused after; the public key is
 * written beside it (audit-signing.pub, for `portcullis audit verify --public-key`) and logged.
 * Without any key a re-hashed chain, a cut tail or an appended event would all verify "ok".
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SANDBOX_KEY_FILE = 'audit-signing.key';
export const SANDBOX_PUBLIC_KEY_FILE = 'audit-signing.pub';

export function sandboxSigningKey(dataDir: string): { privatePem: string; publicPem: string; created: boolean; path: string; publicPath: string } {
  const path = join(dataDir, SANDBOX_KEY_FILE);
  const publicPath = join(dataDir, SANDBOX_PUBLIC_KEY_FILE);
  if (existsSync(path)) {
    return { privatePem: readFileSync(path, 'utf8'), publicPem: existsSync(publicPath) ? readFileSync(publicPath, 'utf8') : '', created: false, path, publicPath };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  writeFileSync(path, privatePem, { mode: 0o600, flag: 'wx' });
  writeFileSync(publicPath, publicPem, { mode: 0o644 });
  return { privatePem, publicPem, created: true, path, publicPath };
}

import { newSecret } from '../http/signature.ts';
import type { Command } from './main.ts';

/** `portcullis keys new`: a fresh whsec_ secret (32 random bytes) for a client. */
export const keysNew: Command = async (_args, io) => {
  io.out(newSecret());
  return 0;
};

/**
 * `portcullis keys audit`: a fresh Ed25519 key pair for signed audit checkpoints. The private key
 * (PKCS#8 PEM) goes to the file given, created 0600 and never printed; the public key (SPKI PEM), which
 * auditors use with `portcullis audit verify --public-key`, is printed.
 */
export const keysAudit: Command = async (args, io) => {
  const out = args[0] === '--out' ? args[1] : undefined;
  if (!out) {
    io.err('usage: portcullis keys audit --out PRIVATE_KEY_FILE   (then audit: { signingKey: { file: PRIVATE_KEY_FILE } })');
    return 2;
  }
  const { generateKeyPairSync } = await import('node:crypto');
  const { writeFileSync } = await import('node:fs');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  try {
    writeFileSync(out, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    io.err(`cannot write ${out}: ${(error as NodeJS.ErrnoException).code === 'EEXIST' ? 'it exists (a key is never overwritten)' : (error as Error).message}`);
    return 1;
  }
  io.out(publicKey.export({ type: 'spki', format: 'pem' }).toString().trim());
  return 0;
};

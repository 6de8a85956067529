import { newSecret } from '../http/signature.ts';
import { UsageError, defineCommand } from './command.ts';

/** `portcullis keys new`: a fresh whsec_ secret (32 random bytes) for a client. */
export const keysNew = defineCommand(
  {
    name: 'keys new',
    usage: `portcullis keys new

  print a fresh whsec_ secret (32 random bytes, base64) for a client; store it where the config's
  { env: NAME } or { file: PATH } reference reads it.
`,
    options: {},
  },
  async (_parsed, io) => {
    io.out(newSecret());
    return 0;
  },
);

/**
 * `portcullis keys audit`: a fresh Ed25519 key pair for signed audit checkpoints. The private key
 * (PKCS#8 PEM) goes to the file given, created 0600 and never printed; the public key (SPKI PEM), which
 * auditors use with `portcullis audit verify --public-key`, is printed.
 */
export const keysAudit = defineCommand(
  {
    name: 'keys audit',
    usage: `portcullis keys audit --out PRIVATE_KEY_FILE

  Writes a fresh Ed25519 private key for signed audit checkpoints to the file (0600, never overwritten)
  and prints its public key for auditors (portcullis audit verify --public-key). Configure it with
  audit: { signingKey: { file: PRIVATE_KEY_FILE } }.
`,
    options: { out: { type: 'string' } },
  },
  async ({ values }, io) => {
    const out = values.out;
    if (!out) throw new UsageError('--out PRIVATE_KEY_FILE is required');
    const { generateKeyPairSync } = await import('node:crypto');
    const { writeFileSync } = await import('node:fs');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    try {
      writeFileSync(out, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      io.err(
        `cannot write ${out}: ${(error as NodeJS.ErrnoException).code === 'EEXIST' ? 'it exists (a key is never overwritten)' : (error as Error).message}`,
      );
      return 1;
    }
    io.out(publicKey.export({ type: 'spki', format: 'pem' }).toString().trim());
    return 0;
  },
);

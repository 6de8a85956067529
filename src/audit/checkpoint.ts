/**
 * Ed25519-signed checkpoints (Web Crypto only, so the same code runs on Node 20 and Workers).
 * The signed message is the RFC 8785 canonical JSON of every checkpoint field but the signature,
 * with a type tag so a checkpoint signature cannot be replayed as anything else.
 */
import { canonicalJson } from './canonical.ts';
import type { Checkpoint, CheckpointKind } from './pull-types.ts';

const ALGORITHM = { name: 'Ed25519' } as const;

/** The lib config has no DOM types; these are the Web Crypto shapes this file uses. */
type CryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
export interface JsonWebKey {
  kty?: string;
  crv?: string;
  x?: string;
  d?: string;
  key_ops?: string[];
}
const encoder = new TextEncoder();

export class AuditKeyError extends Error {
  override name = 'AuditKeyError';
}

export function checkpointMessage(c: Omit<Checkpoint, 'signature'>): Uint8Array {
  return encoder.encode(
    canonicalJson({ type: 'portcullis.audit.checkpoint.v1', seq: c.seq, hash: c.hash, time: c.time, kind: c.kind, key_id: c.keyId }),
  );
}

export interface CheckpointSigner {
  keyId: string;
  /** The public key as a JWK (kty OKP, crv Ed25519, x), safe to publish. */
  publicJwk: JsonWebKey;
  sign(c: { seq: number; hash: string; time: string; kind: CheckpointKind }): Promise<Checkpoint>;
  verifier: CheckpointVerifier;
}

export interface CheckpointVerifier {
  keyId: string;
  verify(c: Checkpoint): Promise<boolean>;
}

const b64urlEncode = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function b64Decode(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/').replace(/\s+/g, ''));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

/** The key id: the first 16 hex digits of SHA-256 over the raw 32-byte public key (JWK `x`). */
async function keyIdOf(x: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', b64Decode(x)));
  return [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function pemBody(text: string, label: string): Uint8Array | undefined {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(text);
  return match?.[1] ? b64Decode(match[1]) : undefined;
}

function parseJwk(text: string): JsonWebKey | undefined {
  if (!text.trim().startsWith('{')) return undefined;
  try {
    const jwk = JSON.parse(text) as JsonWebKey;
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
      throw new AuditKeyError('the JWK is not an Ed25519 key (kty "OKP", crv "Ed25519", x)');
    }
    return jwk;
  } catch (error) {
    if (error instanceof AuditKeyError) throw error;
    throw new AuditKeyError('the key looks like JSON but does not parse');
  }
}

function verifierFor(publicKey: CryptoKey, keyId: string): CheckpointVerifier {
  return {
    keyId,
    async verify(c) {
      if (c.keyId !== keyId) return false;
      try {
        return await crypto.subtle.verify(ALGORITHM, publicKey, b64Decode(c.signature), checkpointMessage(c));
      } catch {
        return false;
      }
    },
  };
}

/** Imports the signing key: PKCS#8 PEM ("BEGIN PRIVATE KEY", as `openssl genpkey -algorithm ed25519` writes) or a JWK with `d`. */
export async function importCheckpointSigner(text: string): Promise<CheckpointSigner> {
  let privateKey: CryptoKey;
  try {
    const jwk = parseJwk(text);
    if (jwk && !jwk.d) throw new AuditKeyError('the JWK has no private part (d)');
    const der = jwk ? undefined : pemBody(text, 'PRIVATE KEY');
    if (!jwk && !der) throw new AuditKeyError('expected a PKCS#8 PEM (BEGIN PRIVATE KEY) or a JWK of an Ed25519 key');
    privateKey = jwk
      ? await crypto.subtle.importKey('jwk', { ...jwk, key_ops: ['sign'] }, ALGORITHM, true, ['sign'])
      : await crypto.subtle.importKey('pkcs8', der as Uint8Array, ALGORITHM, true, ['sign']);
  } catch (error) {
    if (error instanceof AuditKeyError) throw error;
    throw new AuditKeyError(`not an Ed25519 private key (${(error as Error).name})`);
  }
  const exported = await crypto.subtle.exportKey('jwk', privateKey);
  const publicJwk: JsonWebKey = { kty: 'OKP', crv: 'Ed25519', x: exported.x as string };
  const keyId = await keyIdOf(publicJwk.x as string);
  const publicKey = await crypto.subtle.importKey('jwk', publicJwk, ALGORITHM, true, ['verify']);
  const verifier = verifierFor(publicKey, keyId);
  return {
    keyId,
    publicJwk,
    verifier,
    async sign(c) {
      const unsigned = { ...c, keyId };
      const signature = new Uint8Array(await crypto.subtle.sign(ALGORITHM, privateKey, checkpointMessage(unsigned)));
      return { ...unsigned, signature: b64urlEncode(signature) };
    },
  };
}

/** Imports a verification key: SPKI PEM ("BEGIN PUBLIC KEY"), a JWK (x), or the private key itself. */
export async function importCheckpointVerifier(text: string): Promise<CheckpointVerifier> {
  if (text.includes('PRIVATE KEY') || parseJwk(text)?.d) return (await importCheckpointSigner(text)).verifier;
  try {
    const jwk = parseJwk(text);
    const der = jwk ? undefined : pemBody(text, 'PUBLIC KEY');
    if (!jwk && !der) throw new AuditKeyError('expected an SPKI PEM (BEGIN PUBLIC KEY) or a JWK of an Ed25519 key');
    const key = jwk
      ? await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, ALGORITHM, true, ['verify'])
      : await crypto.subtle.importKey('spki', der as Uint8Array, ALGORITHM, true, ['verify']);
    const x = (await crypto.subtle.exportKey('jwk', key)).x as string;
    return verifierFor(key, await keyIdOf(x));
  } catch (error) {
    if (error instanceof AuditKeyError) throw error;
    throw new AuditKeyError(`not an Ed25519 public key (${(error as Error).name})`);
  }
}

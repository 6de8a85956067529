/**
 * Standard Webhooks v1 signatures (HMAC-SHA256 over `{id}.{timestamp}.{body}` with a `whsec_`
 * base64 secret), with Web Crypto only so the same code runs on Node and Workers.
 */
import { cryptoProvider } from '../crypto/provider.ts';
import { Problem } from './problem.ts';

/** A client's HMAC key: the raw secret bytes, only ever used through the crypto provider. */
export interface HmacKey {
  readonly bytes: Uint8Array;
}
export const SECRET_PREFIX = 'whsec_';

export function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Parses a `whsec_…` secret into its key bytes; throws with a message that never includes the secret. */
export function secretBytes(secret: string): Uint8Array {
  const body = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(body);
  } catch {
    throw new Error('secret is not base64 (expected whsec_ followed by base64 of 24 to 64 random bytes)');
  }
  if (bytes.length < 24 || bytes.length > 64) {
    throw new Error(`secret decodes to ${bytes.length} bytes (expected 24 to 64)`);
  }
  return bytes;
}

export async function importHmacKey(secret: string): Promise<HmacKey> {
  return { bytes: secretBytes(secret) };
}

const encoder = new TextEncoder();

/**
 * HMAC over exactly what was sent: the webhook-id and webhook-timestamp header text (so "0<T>" and "<T>"
 * are different messages) and the raw body bytes (never a decoded copy, in which invalid UTF-8 would
 * have become U+FFFD).
 */
export async function signRaw(key: HmacKey, id: string, timestamp: string, body: Uint8Array | string): Promise<Uint8Array> {
  const prefix = encoder.encode(`${id}.${timestamp}.`);
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  const message = new Uint8Array(prefix.length + bytes.length);
  message.set(prefix);
  message.set(bytes, prefix.length);
  return cryptoProvider().hmacSha256(key.bytes, message);
}

/** Constant-time comparison: the time taken depends only on the lengths, never on where bytes differ. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export interface SignatureHeaders {
  id: string;
  timestamp: number;
  /** The webhook-timestamp header exactly as sent: what the signature covers. */
  timestampText: string;
  /** The v1 signatures sent (decoded); other versions are ignored as the spec says. */
  signatures: Uint8Array[];
}

/** Reads and checks the three headers' presence and format (not the signature itself). */
export function parseSignatureHeaders(get: (name: string) => string | undefined): SignatureHeaders {
  const id = get('webhook-id');
  const ts = get('webhook-timestamp');
  const sig = get('webhook-signature');
  const missing = [!id && 'webhook-id', !ts && 'webhook-timestamp', !sig && 'webhook-signature'].filter(Boolean);
  if (missing.length) {
    throw new Problem(
      'signature_missing',
      `missing header ${missing.join(', ')}: mutating calls need Standard Webhooks headers webhook-id, webhook-timestamp and webhook-signature (v1,<base64 HMAC-SHA256>)`,
    );
  }
  if (!/^[\x21-\x7e]{1,255}$/.test(id as string)) {
    throw new Problem('signature_malformed', 'webhook-id must be 1 to 255 printable ASCII characters without spaces');
  }
  if (!/^\d{1,12}$/.test(ts as string)) {
    throw new Problem('signature_malformed', 'webhook-timestamp must be integer seconds since the Unix epoch');
  }
  const signatures: Uint8Array[] = [];
  for (const part of (sig as string).split(' ')) {
    const [version, value] = part.split(',', 2);
    if (version !== 'v1' || !value) continue;
    try {
      signatures.push(decodeBase64(value));
    } catch {
      throw new Problem('signature_malformed', 'webhook-signature has a v1 value that is not base64');
    }
  }
  if (!signatures.length) {
    throw new Problem(
      'signature_malformed',
      'webhook-signature has no v1 signature: expected space-separated "v1,<base64>" values',
    );
  }
  return { id: id as string, timestamp: Number(ts), timestampText: ts as string, signatures };
}

/** Refuses timestamps outside ±tolerance, saying which side and by how much. */
export function checkTimestamp(timestamp: number, nowMs: number, toleranceSeconds: number): void {
  const skew = Math.floor(nowMs / 1000) - timestamp;
  if (skew > toleranceSeconds) {
    throw new Problem(
      'timestamp_out_of_tolerance',
      `webhook-timestamp is ${skew} s old; the tolerance is ${toleranceSeconds} s (sign with the current time)`,
    );
  }
  if (-skew > toleranceSeconds) {
    throw new Problem(
      'timestamp_out_of_tolerance',
      `webhook-timestamp is ${-skew} s in the future; the tolerance is ${toleranceSeconds} s (check the signer's clock)`,
    );
  }
}

/** True when any sent v1 signature matches any of the client's active keys (rotation: two keys). */
export async function verifySignature(keys: HmacKey[], headers: SignatureHeaders, body: Uint8Array): Promise<boolean> {
  let matched = false;
  for (const key of keys) {
    const expected = await signRaw(key, headers.id, headers.timestampText, body);
    // Compare against every candidate without stopping early.
    for (const candidate of headers.signatures) matched = timingSafeEqual(expected, candidate) || matched;
  }
  return matched;
}

/** Builds the three headers for a body (the CLI's `sign` and tests use this). */
export async function signHeaders(
  secret: string,
  body: string,
  id: string = `msg_${crypto.randomUUID()}`,
  timestamp: number = Math.floor(Date.now() / 1000),
): Promise<Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>> {
  const key = await importHmacKey(secret);
  const mac = await signRaw(key, id, String(timestamp), body);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${encodeBase64(mac)}` };
}

/** A fresh `whsec_` secret: 32 random bytes, base64. */
export function newSecret(): string {
  return `${SECRET_PREFIX}${encodeBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

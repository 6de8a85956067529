/**
 * Test-side Standard Webhooks signing, written with node:crypto on purpose: the service's own
 * signer (src/http/signature.ts) is not used here, so a bug there cannot cancel itself out.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';

export const CLIENT_HEADER = 'portcullis-client';

/** A fresh whsec_ secret (32 random bytes). */
export const testSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** A whsec_ secret whose raw key bytes are the given printable text (for the redaction canary). */
export const secretFromText = (text: string): string => `whsec_${Buffer.from(text, 'utf8').toString('base64')}`;

/** The v1 signature value (base64 HMAC-SHA256 of `id.timestamp.body`). */
export function signV1(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

export interface SignedCall {
  clientId: string;
  /** One secret, or several (each adds a space-separated `v1,` signature, as during rotation). */
  secret: string | string[];
  method?: string;
  body?: string;
  id?: string;
  /** Unix seconds; defaults to `nowMs`. */
  timestamp?: number;
  nowMs: number;
  contentType?: string | null;
  idempotencyKey?: string;
  /** Extra headers, or overrides (a `null` value removes a header). */
  headers?: Record<string, string | null>;
}

export const freshId = (): string => `msg_${randomUUID()}`;

/** Builds the RequestInit of a signed call, ready for `app.request(path, init)` or fetch. */
export function signedInit(call: SignedCall): RequestInit & { headers: Record<string, string> } {
  const method = call.method ?? 'POST';
  const body = call.body ?? '';
  const id = call.id ?? freshId();
  const timestamp = call.timestamp ?? Math.floor(call.nowMs / 1000);
  const secrets = Array.isArray(call.secret) ? call.secret : [call.secret];
  const headers: Record<string, string> = {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => `v1,${signV1(s, id, timestamp, body)}`).join(' '),
    [CLIENT_HEADER]: call.clientId,
  };
  if (method !== 'GET' && call.contentType !== null) headers['content-type'] = call.contentType ?? 'application/json';
  if (call.idempotencyKey !== undefined) headers['idempotency-key'] = call.idempotencyKey;
  for (const [name, value] of Object.entries(call.headers ?? {})) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  if (method === 'GET' || method === 'HEAD') return { method, headers };
  // fetch labels a string body text/plain; bytes keep "no content-type" really absent.
  return { method, headers, body: headers['content-type'] === undefined ? new TextEncoder().encode(body) : body };
}

/** The v1 signature over raw body bytes and the timestamp header text exactly as they are sent. */
export function signV1Bytes(secret: string, id: string, timestampText: string, body: Uint8Array): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return createHmac('sha256', key).update(Buffer.concat([Buffer.from(`${id}.${timestampText}.`, 'latin1'), body])).digest('base64');
}

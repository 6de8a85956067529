/**
 * Signed playbook calls for autocannon: every request gets a fresh webhook-id, the current timestamp,
 * a fresh random public indicator and a Standard Webhooks v1 signature made with node:crypto (autocannon's
 * setupRequest is synchronous; Web Crypto is not). `checkSignerMatchesService` proves, before any load,
 * that this signer and src/http/signature.ts agree byte for byte.
 */
import { createHmac, randomInt, randomUUID } from 'node:crypto';
import type { RequestSpec } from 'autocannon';
import { CLIENT_HEADER } from '../../src/http/auth.ts';
import { SECRET_PREFIX, signHeaders } from '../../src/http/signature.ts';

export interface SigningClient {
  id: string;
  /** `whsec_` + base64 key bytes. */
  secret: string;
}

const keyBytes = (secret: string): Buffer =>
  Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');

/** The v1 signature of `{id}.{timestamp}.{body}`. */
export function signatureFor(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** Throws when the bench's signer and the service's own signer disagree on a fixed message. */
export async function checkSignerMatchesService(client: SigningClient): Promise<void> {
  const body = '{"probe":true}';
  const expected = await signHeaders(client.secret, body, 'msg_bench_probe', 1_700_000_000);
  const ours = signatureFor(keyBytes(client.secret), 'msg_bench_probe', 1_700_000_000, body);
  if (ours !== expected['webhook-signature']) {
    throw new Error('the benchmark signer disagrees with src/http/signature.ts: fix bench/edge/signed-requests.ts');
  }
}

/**
 * A random public unicast IPv4 address in 11.0.0.0–99.255.255.255: outside private, shared (100.64/10),
 * loopback, documentation and the block-ip playbook's neverBlock ranges, so every call is accepted.
 * 89 × 2^24 addresses: repeats within a run are rare and harmless (a new run either way).
 */
export function randomPublicIpv4(): string {
  return `${randomInt(11, 100)}.${randomInt(0, 256)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

/** An autocannon request that POSTs a freshly signed run of `playbook` with one new indicator. */
export function signedRunRequest(client: SigningClient, playbook: string): RequestSpec {
  const key = keyBytes(client.secret);
  return {
    method: 'POST',
    path: `/v1/playbooks/${playbook}/runs`,
    setupRequest: (request) => {
      const body = JSON.stringify({ playbook, inputs: { indicators: [randomPublicIpv4()] } });
      const id = `msg_${randomUUID()}`;
      const timestamp = Math.floor(Date.now() / 1000);
      return {
        ...request,
        body,
        headers: {
          ...request.headers,
          'content-type': 'application/json',
          [CLIENT_HEADER]: client.id,
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureFor(key, id, timestamp, body),
        },
      };
    },
  };
}

/**
 * How a delivery reaches its receiver: one POST, answered with a status and the body text. The
 * notifier and the HEC sink only see this contract, so the same delivery code runs on Node (through
 * src/net/guarded-http.ts, which checks the address at every connect and connects to the address it
 * checked) and on Workers (fetch, below).
 */
import { type OutboundPolicy, resolveChecked } from './ssrf.ts';

export interface PostRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Names the destination in a refusal, e.g. "notifications.subscriptions[0] (soc)". */
  where: string;
}

export interface PostResponse {
  status: number;
  text: string;
}

export type HttpPost = (request: PostRequest) => Promise<PostResponse>;

/** Thrown for a receiver that did not answer in time (the delivery is retried). */
export class DeliveryTimeout extends Error {
  override name = 'DeliveryTimeout';
}

/**
 * POST with fetch (Web APIs only: Workers, or any runtime with fetch). The destination is resolved and
 * checked before every request; fetch then resolves the name itself, so unlike the Node transport the
 * connect address cannot be pinned to the checked one (see the README: on Workers, egress leaves from
 * Cloudflare's network, which has no route to the operator's private ranges). Redirects are never followed.
 */
export function fetchPost(policy: OutboundPolicy, fetchImpl: typeof fetch = (input, init) => fetch(input, init)): HttpPost {
  return async ({ url, headers, body, timeoutMs, where }) => {
    if (!policy.sandbox) await resolveChecked(where, new URL(url).hostname, policy);
    let response: Response;
    try {
      response = await fetchImpl(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') throw new DeliveryTimeout(`no answer within ${timeoutMs} ms`);
      throw error;
    }
    return { status: response.status, text: await response.text() };
  };
}

/**
 * A DNS-over-HTTPS resolver for runtimes without a system resolver, over the JSON format Cloudflare's
 * 1.1.1.1 documents (developers.cloudflare.com/1.1.1.1/encryption/dns-over-https/make-api-requests/dns-json:
 * GET ?name=&type= with `accept: application/dns-json`; `Status` 0 is NOERROR; `Answer[].type` 1 = A,
 * 28 = AAAA, CNAMEs are followed by the resolver and listed with type 5).
 */
export function dohResolver(endpoint: string, fetchImpl: typeof fetch = (input, init) => fetch(input, init)): (host: string) => Promise<string[]> {
  return async (host) => {
    const out: string[] = [];
    for (const type of ['A', 'AAAA']) {
      const res = await fetchImpl(`${endpoint}?name=${encodeURIComponent(host)}&type=${type}`, { headers: { accept: 'application/dns-json' } });
      if (!res.ok) throw new Error(`the resolver answered ${res.status}`);
      const answer = (await res.json()) as { Status?: number; Answer?: { type: number; data: string }[] };
      if (answer.Status !== 0) throw new Error(`DNS status ${String(answer.Status)} for ${host} ${type}`);
      for (const a of answer.Answer ?? []) if (a.type === 1 || a.type === 28) out.push(a.data);
    }
    return out;
  };
}

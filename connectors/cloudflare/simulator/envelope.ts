/** The v4 response envelope: `{ success, errors, messages, result, result_info? }`, with a cf-ray id. */

let ray = 0;

export function rayId(): string {
  ray += 1;
  return `${ray.toString(16).padStart(16, '8')}-SJC`;
}

export function ok(result: unknown, resultInfo?: Record<string, unknown>, status = 200): Response {
  return json(status, { success: true, errors: [], messages: [], result, ...(resultInfo ? { result_info: resultInfo } : {}) });
}

export function fail(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return json(status, { success: false, errors: [{ code, message }], messages: [], result: null }, headers);
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cf-ray': rayId(), ...headers },
  });
}

/** Error codes the simulator answers. Documented ones cite their source; the others are the simulator's choice (see README). */
export const CODES = {
  /** "Authentication error" (any request with a missing or unknown token). */
  authentication: 10000,
  /** Global rate limit: "Please wait and consider throttling your request speed". */
  rateLimited: 971,
  /** "The add list items operation contains duplicate items" (support docs, Cloudflare 10xxx errors). */
  duplicateItems: 10028,
  /** "List items incompatible with list type" (support docs, Cloudflare 10xxx errors). */
  incompatibleItems: 10058,
  /** Simulator's choice: an invalid IP item (the docs name the rule, not the code). */
  invalidItem: 10021,
  /** Simulator's choice: a bulk operation is still pending on the account (docs: HTTP 429, no code given). */
  operationPending: 10030,
  /** Simulator's choice: an unknown list, item or operation. */
  notFound: 10001,
  /** "No route for that URI". */
  noRoute: 7000,
  /** "Could not route to …, perhaps your object identifier is invalid?" */
  badIdentifier: 7003,
  /** Simulator's choice: a malformed request body or query. */
  badRequest: 10026,
  /** Simulator's choice: an internal error (transient). */
  internal: 10002,
} as const;

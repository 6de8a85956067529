/**
 * The one error shape outside: RFC 9457 application/problem+json with a stable code.
 * Inner code throws `Problem`; the edge turns it into a response. The table below is closed:
 * a new refusal needs a code here (and so a documented status), like unkey's error enum.
 */
import { Refusal } from '../refusal.ts';

export const problemCodes = {
  signature_missing: { status: 401, title: 'Signature required' },
  signature_malformed: { status: 401, title: 'Malformed signature headers' },
  signature_invalid: { status: 401, title: 'Signature does not match' },
  timestamp_out_of_tolerance: { status: 401, title: 'Timestamp outside the tolerance window' },
  unknown_client: { status: 401, title: 'Unknown client' },
  token_invalid: { status: 401, title: 'Bearer token not accepted' },
  scope_denied: { status: 403, title: 'Scope not granted' },
  session_required: { status: 401, title: 'Console login required' },
  session_expired: { status: 401, title: 'Console session expired' },
  session_invalid: { status: 401, title: 'Console session not known' },
  login_failed: { status: 401, title: 'Console login failed' },
  no_console_role: { status: 403, title: 'No console role' },
  csrf_failed: { status: 403, title: 'CSRF check failed' },
  webhook_id_reused: { status: 409, title: 'webhook-id already used for another request' },
  idempotency_in_flight: { status: 409, title: 'A request with this Idempotency-Key is still in flight' },
  idempotency_key_invalid: { status: 400, title: 'Invalid Idempotency-Key' },
  idempotency_key_mismatch: { status: 422, title: 'Idempotency-Key reused with another payload' },
  malformed_json: { status: 400, title: 'Body is not valid JSON' },
  body_not_utf8: { status: 400, title: 'Body is not valid UTF-8' },
  forbidden_json_key: { status: 422, title: 'Body has a key that cannot be represented' },
  too_many_refusals: { status: 429, title: 'Too many refused requests from this address' },
  bad_request: { status: 400, title: 'The HTTP request could not be parsed' },
  headers_too_large: { status: 431, title: 'Request headers too large' },
  request_timeout: { status: 408, title: 'The request was not received in time' },
  invalid_query: { status: 400, title: 'Invalid query parameter' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  payload_too_large: { status: 413, title: 'Body too large' },
  validation_failed: { status: 422, title: 'Request does not match the schema' },
  guardrail_refused: { status: 422, title: "Refused by the playbook's guardrails" },
  unknown_tier: { status: 422, title: 'Unknown tier' },
  target_unknown: { status: 422, title: 'Unknown or ambiguous target' },
  not_adoptable: { status: 422, title: 'Rule cannot be adopted' },
  traffic_unavailable: { status: 422, title: 'No flow logs for the target' },
  playbook_mismatch: { status: 422, title: 'Body names another playbook than the path' },
  playbook_not_found: { status: 404, title: 'No such playbook' },
  policy_denied: { status: 422, title: 'Refused by policy' },
  four_eyes: { status: 403, title: 'A run cannot be approved by the client that requested it' },
  run_not_pending: { status: 409, title: 'The run is not waiting for approval' },
  approval_expired: { status: 409, title: 'The approval window has passed' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const;

export type ProblemCode = keyof typeof problemCodes;

/** A refusal with a stable code, a detail that names what was wrong and what was expected, and extras. */
export class Problem extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly extras: Record<string, unknown>;
  constructor(code: ProblemCode, detail: string, extras: Record<string, unknown> = {}) {
    super(detail);
    this.name = 'Problem';
    this.code = code;
    this.status = problemCodes[code].status;
    this.extras = extras;
  }
}

/** The problem an error stands for: a Problem as is, a domain Refusal (src/refusal.ts) with its code; else undefined. */
export function asProblem(error: unknown): Problem | undefined {
  if (error instanceof Problem) return error;
  if (error instanceof Refusal) return new Problem(error.code, error.message, error.extras);
  return undefined;
}

export const PROBLEM_TYPE_BASE = 'https://portcullis.dev/problems/';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail: string;
  instance?: string;
  request_id: string;
  [extra: string]: unknown;
}

export function problemBody(problem: Problem, requestId: string, instance?: string): ProblemBody {
  return {
    type: `${PROBLEM_TYPE_BASE}${problem.code}`,
    title: problemCodes[problem.code].title,
    status: problem.status,
    code: problem.code,
    detail: problem.message,
    ...(instance ? { instance } : {}),
    request_id: requestId,
    ...problem.extras,
  };
}

export function problemResponse(problem: Problem, requestId: string, instance?: string): Response {
  const headers: Record<string, string> = { 'content-type': 'application/problem+json', 'x-request-id': requestId };
  // A refusal that says when to come back (409 idempotency_in_flight) says it in Retry-After too (RFC 9110).
  const retryAfter = problem.extras.retry_after_seconds;
  if (typeof retryAfter === 'number') headers['retry-after'] = String(retryAfter);
  return new Response(JSON.stringify(problemBody(problem, requestId, instance)), { status: problem.status, headers });
}

/**
 * OpenAPI metadata shared by the route declarations: the one problem+json schema every 4xx/5xx
 * answer uses, and the error responses of each kind of route, derived from the closed code table in
 * problem.ts so the document cannot name a status or code the edge never sends.
 */
import { z } from '@hono/zod-openapi';
import { PROBLEM_TYPE_BASE, type ProblemCode, problemCodes } from '../problem.ts';

export const problemSchema = z
  .object({
    type: z.string().openapi({ description: 'A URI naming the problem kind: the base followed by `code`.' }),
    title: z.string(),
    status: z.number().int(),
    code: z.enum(Object.keys(problemCodes) as [ProblemCode, ...ProblemCode[]]).openapi({ description: 'Stable machine-readable code.' }),
    detail: z.string().openapi({ description: 'What was wrong and what was expected.' }),
    instance: z.string().optional(),
    request_id: z.string().openapi({ description: 'Also in the x-request-id header and the audit log.' }),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'Schema failures, one per field (validation_failed, invalid_query).' }),
  })
  .catchall(z.unknown())
  .openapi('Problem', { description: 'RFC 9457 problem details; extra members depend on the code (e.g. required_scope).' });

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503;

const codesFor = (status: number): ProblemCode[] =>
  (Object.keys(problemCodes) as ProblemCode[]).filter((code) => problemCodes[code].status === status);

const example = (code: ProblemCode, detail: string) => ({
  type: `${PROBLEM_TYPE_BASE}${code}`,
  title: problemCodes[code].title,
  status: problemCodes[code].status,
  code,
  detail,
  request_id: 'req_7f3c2a9e',
});

const EXAMPLES: Record<ErrorStatus, ReturnType<typeof example>> = {
  400: example('malformed_json', 'the body is not valid JSON: Unexpected end of JSON input'),
  401: example('signature_invalid', 'no v1 signature matches: sign "{webhook-id}.{webhook-timestamp}.{exact body}" with HMAC-SHA256 and the client secret'),
  403: example('scope_denied', 'client "soar" lacks the "approve" scope this call needs'),
  404: example('not_found', 'no run run_0b7e…'),
  409: example('webhook_id_reused', 'webhook-id msg_2Lq… was already used at 2026-01-01T00:00:00.000Z for a different request; every message needs a fresh id'),
  413: example('payload_too_large', 'the body exceeds 65536 bytes (limits.bodyBytes); send fewer indicators per call'),
  415: example('unsupported_media_type', 'content-type must be application/json, not "text/plain"'),
  422: example('validation_failed', 'inputs.indicators.0: expected an IPv4/IPv6 address or CIDR'),
  429: example('too_many_refusals', 'too many refused requests from 192.0.2.10 in the last minute; retry after the Retry-After seconds, with valid credentials'),
  500: example('internal', 'an internal error occurred; the request id names it in the logs'),
  503: example('unavailable', 'the store did not answer a ping'),
};

/**
 * The declared type keeps `content` optional on purpose: zod-openapi then still lets a handler return a
 * plain Response (runMutation's stored answers), while the document gets the problem+json content.
 */
type ProblemResponse = { description: string; content?: { 'application/problem+json': { schema: typeof problemSchema; example: unknown } } };

/** One problem+json response per status, each listing the codes it may carry (or the given description). */
export function problems(statuses: ErrorStatus[], descriptions: Partial<Record<ErrorStatus, string>> = {}): Partial<Record<ErrorStatus, ProblemResponse>> {
  const out: Partial<Record<ErrorStatus, ProblemResponse>> = {};
  for (const status of statuses) {
    const codes = codesFor(status).join(', ');
    out[status] = {
      description: `${descriptions[status] ?? problemCodes[EXAMPLES[status].code].title} (problem+json; code: ${codes})`,
      content: { 'application/problem+json': { schema: problemSchema, example: EXAMPLES[status] } },
    };
  }
  return out;
}

/** Errors of an unauthenticated operational route. */
export const publicErrors = (): ErrorStatus[] => [500, 503];
/** Errors of a read (signature or bearer token): authentication, scope, a bad query. */
export const readErrors = (): ErrorStatus[] => [400, 401, 403, 409, 429, 500, 503];
/** Errors of a signed mutation: everything the edge checks before the handler, and the handler's refusals. */
export const mutationErrors = (): ErrorStatus[] => [400, 401, 403, 409, 413, 415, 422, 429, 500, 503];

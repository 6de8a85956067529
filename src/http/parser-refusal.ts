/**
 * Requests Node's HTTP parser refuses never reach the app (Node would answer a bare, empty 400): the
 * Node entry point hands them here for a problem+json answer and the same audit as other refusals.
 */
import type { Services } from '../services.ts';
import { type ProblemCode, Problem, problemBody, problemCodes } from './problem.ts';

/** What the parser's error code means, and what to say about it (the code is Node's llhttp code). */
export function parserProblem(errorCode: string | undefined): Problem {
  if (errorCode === 'HPE_HEADER_OVERFLOW') {
    return new Problem('headers_too_large', 'the request headers exceed the server limit (16 KiB): send fewer or shorter headers', { parser_error: errorCode });
  }
  if (errorCode === 'ERR_HTTP_REQUEST_TIMEOUT' || errorCode === 'ERR_HTTP_HEADERS_TIMEOUT') {
    return new Problem('request_timeout', 'the request headers and body were not received in time', { parser_error: errorCode });
  }
  return new Problem('bad_request', `the request is not valid HTTP/1.1 (${(errorCode ?? 'parse error').slice(0, 40)}): check the request line, header syntax and framing (Content-Length / Transfer-Encoding)`, {
    parser_error: errorCode?.slice(0, 40) ?? 'unknown',
  });
}

/** The raw HTTP/1.1 response (the connection is closed after it: its framing cannot be trusted). */
export function parserRefusalResponse(problem: Problem, requestId: string): string {
  const body = JSON.stringify(problemBody(problem, requestId));
  const reason = problemCodes[problem.code as ProblemCode].title;
  return [
    `HTTP/1.1 ${problem.status} ${reason}`,
    'Content-Type: application/problem+json',
    `Content-Length: ${new TextEncoder().encode(body).length}`,
    `X-Request-Id: ${requestId}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/** Answers and audits one parser refusal (counted per source like every other refusal). */
export async function refuseUnparsed(services: Services, errorCode: string | undefined, source: string | undefined, write: (raw: string) => void): Promise<void> {
  const requestId = `req_${crypto.randomUUID()}`;
  const problem = parserProblem(errorCode);
  write(parserRefusalResponse(problem, requestId));
  const address = source?.slice(0, 64) || 'unknown';
  const now = services.clock.now();
  const own = services.refusals?.record(address, now, false, { request_id: requestId, code: problem.code, method: '', path: '', time: new Date(now).toISOString() }) ?? true;
  const audit = [
    ...(own
      ? [{ action: 'request.refused', outcome: 'refused' as const, requestId, sourceAddress: address, detail: { code: problem.code, status: problem.status, parser_error: problem.extras.parser_error } }]
      : []),
    ...(services.refusals?.drain(now) ?? []),
  ];
  if (audit.length) await services.store.commit({ audit });
}

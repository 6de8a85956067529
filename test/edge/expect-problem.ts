/**
 * The one assertion every refusal must pass: RFC 9457 problem+json with a stable code, a specific
 * detail, the request id (also in x-request-id), no stack trace, and a `request.refused` audit event.
 */
import { expect } from 'vitest';
import type { AuditEvent } from '../../src/audit/types.ts';
import type { TestApp } from '../support/app.ts';

export interface ProblemJson {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  request_id: string;
  [extra: string]: unknown;
}

export interface ExpectedProblem {
  status: number;
  code: string;
  /** What the detail must say (names the field or header and what was expected). */
  detail: RegExp;
}

/** Signs of a leaked stack trace or source location. */
const STACK_TRACE = /\n\s+at |at [\w.<>]+ \(|\.ts:\d+|node_modules|file:\/\//;

export async function readProblem(res: Response, expected: ExpectedProblem): Promise<ProblemJson> {
  const text = await res.text();
  expect({ status: res.status, body: text }).toMatchObject({ status: expected.status });
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(text).not.toMatch(STACK_TRACE);
  const body = JSON.parse(text) as ProblemJson;
  expect(body.code).toBe(expected.code);
  expect(body.status).toBe(expected.status);
  expect(body.type).toBe(`https://portcullis.dev/problems/${expected.code}`);
  expect(typeof body.title).toBe('string');
  expect(body.detail).toMatch(expected.detail);
  expect(body.request_id).toMatch(/^req_[0-9a-f-]{36}$/);
  expect(res.headers.get('x-request-id')).toBe(body.request_id);
  return body;
}

/** Finds the audit events written for one request id. */
export async function auditFor(t: TestApp, requestId: string): Promise<AuditEvent[]> {
  return (await t.audit()).filter((e) => e.request_id === requestId);
}

/** readProblem, plus exactly one `request.refused` audit event with the same code for that request. */
export async function expectRefusal(t: TestApp, res: Response, expected: ExpectedProblem): Promise<ProblemJson> {
  const body = await readProblem(res, expected);
  const events = await auditFor(t, body.request_id);
  expect(events.map((e) => [e.action, e.outcome, e.detail?.code])).toEqual([['request.refused', 'refused', expected.code]]);
  return body;
}

/**
 * For refusals whose code depends on a route this suite cannot know (another route's schema or path
 * parameters): any 4xx problem+json that names its code, audited once as `request.refused`.
 */
export async function expectAnyRefusal(t: TestApp, res: Response): Promise<ProblemJson> {
  const text = await res.clone().text();
  expect({ status: res.status, body: text }).toMatchObject({ status: expect.any(Number) });
  expect(res.status >= 400 && res.status < 500, `expected a 4xx refusal, got ${res.status}: ${text}`).toBe(true);
  const code = (JSON.parse(text) as { code?: string }).code ?? '';
  return expectRefusal(t, res, { status: res.status, code, detail: /\S/ });
}

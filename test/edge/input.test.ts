/**
 * Bad input on a correctly signed call: each gets its documented status and problem body, and leaves
 * nothing behind but its audit record (no replay-guard row, no idempotency record, no execution).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { THINGS_PATH, type TestApp, createTestApp } from '../support/app.ts';
import { sendSigned } from './calls.ts';
import { type ExpectedProblem, expectRefusal } from './expect-problem.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.dispose());

async function expectNothingStored(): Promise<void> {
  expect(await t.stateRows()).toEqual({ replay: 0, idempotency: 0 });
  expect(t.things.executions).toBe(0);
  expect((await t.audit()).every((e) => e.action === 'request.refused')).toBe(true);
}

const cases: [string, Parameters<typeof sendSigned>[2], ExpectedProblem][] = [
  [
    'malformed JSON',
    { body: '{"type":"test.thing",' },
    { status: 400, code: 'malformed_json', detail: /^the body is not valid JSON: / },
  ],
  [
    'an empty body',
    { body: '' },
    { status: 400, code: 'malformed_json', detail: /^the body is not valid JSON/ },
  ],
  [
    'content-type text/plain',
    { contentType: 'text/plain' },
    { status: 415, code: 'unsupported_media_type', detail: /content-type must be application\/json, not "text\/plain"/ },
  ],
  [
    'no content-type',
    { contentType: null },
    { status: 415, code: 'unsupported_media_type', detail: /content-type must be application\/json, not "\(none\)"/ },
  ],
  [
    'a missing field',
    { body: JSON.stringify({ type: 'test.thing' }) },
    { status: 422, code: 'validation_failed', detail: /^name: .*expected string/i },
  ],
  [
    'a body type that does not match the route',
    { body: JSON.stringify({ type: 'block.ip', name: 'x' }) },
    { status: 422, code: 'validation_failed', detail: /^type: .*test\.thing/ },
  ],
  [
    'a JSON array instead of an object',
    { body: '[]' },
    { status: 422, code: 'validation_failed', detail: /\(body\): .*expected object/i },
  ],
];

describe('error: bad bodies are refused and nothing is stored', () => {
  it.each(cases)('%s', async (_name, over, expected) => {
    const res = await sendSigned(t, THINGS_PATH, { ...over, idempotencyKey: 'bad-input' });
    await expectRefusal(t, res, expected);
    await expectNothingStored();
  });

  it('lists each failing field in `errors` with what was expected', async () => {
    const res = await sendSigned(t, THINGS_PATH, { body: JSON.stringify({ type: 'nope', name: '' }) });
    const body = await expectRefusal(t, res, { status: 422, code: 'validation_failed', detail: /type: .*; name: / });
    expect(body.errors).toEqual([
      { field: 'type', message: expect.stringContaining('test.thing') },
      { field: 'name', message: expect.stringMatching(/>=1|at least 1|too small/i) },
    ]);
  });

  it('answers an unknown route with a 404 problem (audited)', async () => {
    const res = await sendSigned(t, '/v1/test/nowhere');
    await expectRefusal(t, res, { status: 404, code: 'not_found', detail: /no route POST \/v1\/test\/nowhere; see \/openapi\.json/ });
  });
});

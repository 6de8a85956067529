/**
 * One pino JSON access-log line per request (request id, client id, route, status, latency, code on
 * refusals); internal errors are logged with their stack but leave as a bare problem+json 500.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RouteModule } from '../../src/http/route.ts';
import { THINGS_PATH, type TestApp, createTestApp } from '../support/app.ts';
import { sendSigned, signedFor } from './calls.ts';
import { readProblem } from './expect-problem.ts';

let t: TestApp;
afterEach(() => t.dispose());

const requestLines = () => t.logs.records.filter((r) => r.msg === 'request');

describe('happy: access log', () => {
  it('writes one JSON line with request id, client, route, status and the latency measured on the clock', async () => {
    t = await createTestApp();
    const release = t.things.hold();
    const pending = t.app.request(THINGS_PATH, signedFor(t));
    await t.things.arrived(1);
    t.clock.advance(1234);
    release();
    const res = await pending;
    expect(res.status).toBe(201);
    const lines = requestLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      service: 'portcullis',
      request_id: res.headers.get('x-request-id'),
      client_id: 'soar',
      method: 'POST',
      route: THINGS_PATH,
      path: THINGS_PATH,
      status: 201,
      latency_ms: 1234,
    });
  });

  it('adds the problem code on refusals, and no client id when the client is unknown', async () => {
    t = await createTestApp();
    const scope = await sendSigned(t, THINGS_PATH, { clientId: 'reader' });
    const unknown = await sendSigned(t, THINGS_PATH, { clientId: 'ghost' });
    const [a, b] = requestLines();
    expect(a).toMatchObject({ request_id: scope.headers.get('x-request-id'), client_id: 'reader', status: 403, code: 'scope_denied' });
    expect(b).toMatchObject({ request_id: unknown.headers.get('x-request-id'), status: 401, code: 'unknown_client' });
    expect(b).not.toHaveProperty('client_id');
  });
});

describe('security: internal errors', () => {
  const crashing: RouteModule = (app) => {
    app.get('/v1/test/crash', () => {
      throw new Error('database password is hunter2 at /srv/portcullis/secret.ts');
    });
  };

  it('returns a generic 500 problem without message or stack, logs the stack, audits request.failed', async () => {
    t = await createTestApp({ modules: [crashing] });
    const res = await t.app.request('/v1/test/crash');
    const body = await readProblem(res, { status: 500, code: 'internal', detail: /^an internal error occurred; the request id identifies it/ });
    expect(JSON.stringify(body)).not.toContain('hunter2');
    const errorLine = t.logs.records.find((r) => r.msg === 'unhandled error');
    expect(errorLine).toMatchObject({ level: 50, request_id: body.request_id, error: { type: 'Error', message: expect.stringContaining('hunter2') } });
    expect((errorLine?.error as { stack?: string } | undefined)?.stack).toMatch(/\n\s+at /);
    const events = (await t.audit()).filter((e) => e.request_id === body.request_id);
    expect(events.map((e) => [e.action, e.outcome, e.detail?.code])).toEqual([['request.failed', 'failure', 'internal']]);
  });
});

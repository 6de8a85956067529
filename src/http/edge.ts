import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { edgeEvent, sourceOf } from './admission.ts';
import type { AppEnv } from './env.ts';
import { Problem, asProblem, problemResponse } from './problem.ts';
import { isStoreUnavailable } from '../store/errors.ts';

/**
 * The outermost middleware: assigns the request id, writes every refusal to the audit log (once),
 * and emits one access-log line per request (request id, client id, route, status, latency).
 */
export function edge(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { clock, log, store, refusals } = c.get('services');
    const started = clock.now();
    c.set('requestId', `req_${crypto.randomUUID()}`);
    const source = sourceOf(c);
    const limited = () => (refusals && c.req.path.startsWith('/v1/') ? refusals.limited(source, started) : undefined);
    // A source over its refusal limit: a request without credentials is answered 429 before any work;
    // one with credentials is served, and answered 429 only if it ends refused without a client.
    const credentials = c.req.header('webhook-signature') !== undefined || c.req.header('authorization') !== undefined;
    const early = credentials ? undefined : limited();
    if (early === undefined) await next();
    const wait = early ?? (c.res.status >= 400 && c.res.status < 500 && !c.get('client') ? limited() : undefined);
    if (wait !== undefined) {
      const problem = new Problem(
        'too_many_refusals',
        `more than ${refusals?.limits.limit} requests from ${source} were refused within a minute; retry after ${wait} s (signed calls are still served)`,
        { retry_after_seconds: wait },
      );
      c.set('problemCode', problem.code);
      c.res = undefined as never;
      c.res = problemResponse(problem, c.get('requestId'), c.req.path);
      c.res.headers.set('retry-after', String(wait));
    }
    c.header('x-request-id', c.get('requestId'));
    const status = c.res.status;
    const audit = [];
    if (status >= 400 && status < 500 && refusals) {
      const code = c.get('problemCode') ?? String(status);
      const own = refusals.record(source, started, c.get('client') !== undefined, sampleOf(c, code));
      if (!own) c.set('audited', true);
    }
    if (status >= 400 && !c.get('audited')) {
      const code = c.get('problemCode') ?? String(status);
      audit.push(edgeEvent(c, status >= 500 ? 'request.failed' : 'request.refused', status >= 500 ? 'failure' : 'refused', { code, status }));
    }
    audit.push(...(refusals?.drain(clock.now()) ?? []));
    if (audit.length) {
      try {
        await store.commit({ audit });
      } catch (error) {
        log.error({ error: errorSummary(error), request_id: c.get('requestId') }, 'could not audit a refusal');
      }
    }
    log.info(
      {
        request_id: c.get('requestId'),
        client_id: c.get('client')?.id,
        source_address: source,
        method: c.req.method,
        route: c.req.routePath,
        path: c.req.path,
        status,
        latency_ms: clock.now() - started,
        ...(c.get('problemCode') ? { code: c.get('problemCode') } : {}),
      },
      'request',
    );
  };
}

function sampleOf(c: Context<AppEnv>, code: string) {
  return {
    request_id: c.get('requestId'),
    code,
    method: c.req.method.slice(0, 16),
    path: c.req.path.slice(0, 256),
    time: new Date(c.get('services').clock.now()).toISOString(),
  };
}

/** app.onError: every error leaves as problem+json; internals are logged, never returned. */
export function onError(error: Error, c: Context<AppEnv>): Response {
  const requestId = c.get('requestId') ?? 'req_unknown';
  let problem: Problem;
  const known = asProblem(error);
  if (known) {
    problem = known;
  } else if (isStoreUnavailable(error)) {
    // The database is unreachable: the call's transaction did not commit; the client retries it.
    c.get('services')?.log.warn({ error: error.message, request_id: requestId }, 'store unavailable');
    const seconds = error.retryAfterSeconds;
    problem = new Problem(
      'unavailable',
      `the database is unreachable, so this call could not be completed; retry it with the same Idempotency-Key after ${seconds} s (a call that did commit is answered from its stored response, never run twice)`,
      { retry_after_seconds: seconds },
    );
  } else if (error instanceof HTTPException && error.status < 500) {
    problem =
      error.status === 413
        ? new Problem('payload_too_large', 'the body exceeds the limit')
        : new Problem('validation_failed', error.message || 'bad request');
  } else {
    c.get('services')?.log.error({ error: errorSummary(error), request_id: requestId }, 'unhandled error');
    problem = new Problem('internal', 'an internal error occurred; the request id identifies it in the service logs');
  }
  c.set('problemCode', problem.code);
  return problemResponse(problem, requestId, c.req.path);
}

/** Error details for logs: name, message and stack, never request bodies or headers. */
export function errorSummary(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { type: error.name, message: error.message, stack: error.stack };
  return { message: String(error) };
}

import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { edgeEvent } from './admission.ts';
import type { AppEnv } from './env.ts';
import { Problem, problemResponse } from './problem.ts';

/**
 * The outermost middleware: assigns the request id, writes every refusal to the audit log (once),
 * and emits one access-log line per request (request id, client id, route, status, latency).
 */
export function edge(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { clock, log, store } = c.get('services');
    const started = clock.now();
    c.set('requestId', `req_${crypto.randomUUID()}`);
    await next();
    c.header('x-request-id', c.get('requestId'));
    const status = c.res.status;
    if (status >= 400 && !c.get('audited')) {
      const code = c.get('problemCode') ?? String(status);
      try {
        await store.commit({
          audit: [edgeEvent(c, status >= 500 ? 'request.failed' : 'request.refused', status >= 500 ? 'failure' : 'refused', { code, status })],
        });
      } catch (error) {
        log.error({ error: errorSummary(error), request_id: c.get('requestId') }, 'could not audit a refusal');
      }
    }
    log.info(
      {
        request_id: c.get('requestId'),
        client_id: c.get('client')?.id,
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

/** app.onError: every error leaves as problem+json; internals are logged, never returned. */
export function onError(error: Error, c: Context<AppEnv>): Response {
  const requestId = c.get('requestId') ?? 'req_unknown';
  let problem: Problem;
  if (error instanceof Problem) {
    problem = error;
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

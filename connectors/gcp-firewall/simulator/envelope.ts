/** compute v1 responses: JSON bodies and the `{ error: { code, message, errors[] } }` envelope. */

export const COMPUTE_ORIGIN = 'https://compute.googleapis.com';
/** Links inside resources use this base, as the real API does. */
export const LINK_BASE = 'https://www.googleapis.com/compute/v1';

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=UTF-8', ...headers },
  });
}

export interface ApiError {
  status: number;
  reason: string;
  message: string;
  domain?: string;
  headers?: Record<string, string>;
}

/** Thrown inside handlers; the router turns it into the error envelope. */
export class SimulatedApiError extends Error {
  readonly apiError: ApiError;
  constructor(apiError: ApiError) {
    super(apiError.message);
    this.apiError = apiError;
  }
}

export function errorResponse(e: ApiError): Response {
  const body = {
    error: {
      code: e.status,
      message: e.message,
      errors: [{ message: e.message, domain: e.domain ?? 'global', reason: e.reason }],
    },
  };
  return json(body, e.status, e.headers);
}

export const notFound = (resourcePath: string) =>
  new SimulatedApiError({ status: 404, reason: 'notFound', message: `The resource '${resourcePath}' was not found` });

export const alreadyExists = (resourcePath: string) =>
  new SimulatedApiError({ status: 409, reason: 'alreadyExists', message: `The resource '${resourcePath}' already exists` });

export const invalidField = (field: string, value: unknown, why: string) =>
  new SimulatedApiError({
    status: 400,
    reason: 'invalid',
    message: `Invalid value for field '${field}': '${typeof value === 'string' ? value : JSON.stringify(value)}'. ${why}`,
  });

export const requiredField = (field: string) =>
  new SimulatedApiError({ status: 400, reason: 'required', message: `Required field '${field}' not specified` });

export function rateLimited(limit: number, retryAfterSeconds?: number): ApiError {
  return {
    status: 403,
    reason: 'rateLimitExceeded',
    domain: 'usageLimits',
    message: `Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute' of service 'compute.googleapis.com' (limit ${limit}).`,
    ...(retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(retryAfterSeconds) } } : {}),
  };
}

export function backendError(status = 503): ApiError {
  return {
    status,
    reason: 'backendError',
    message: 'Internal error. Please try again or contact Google Support.',
  };
}

import { ConnectorError, type ConnectorErrorInfo, type ConnectorErrorKind } from '../../src/connectors/types.ts';

/** Azure codes meaning a limit was reached: never retried, reported as quota. */
const QUOTA_CODES = /LimitReached|LimitExceeded|QuotaExceeded|^SubscriptionNotRegistered$/i;
/** Operation-level codes (from a Failed long-running operation) that another attempt can fix. */
const RETRYABLE_OPERATION_CODES = new Set([
  'InternalServerError',
  'RetryableError',
  'AnotherOperationInProgress',
  'ServiceUnavailable',
  'GatewayTimeout',
  'OperationTimedOut',
  'Canceled',
]);

interface Classified {
  kind: ConnectorErrorKind;
  retryable: boolean;
}

/** The classification table: HTTP status first, then the cloud's code where the status is ambiguous. */
export function classifyStatus(status: number | undefined, code: string): Classified {
  if (status === undefined) return RETRYABLE_OPERATION_CODES.has(code) ? transient() : byCode(code);
  if (status === 429) return { kind: 'throttled', retryable: true };
  if (status === 409) {
    return code === 'AnotherOperationInProgress' || code === 'RetryableError'
      ? { kind: 'conflict', retryable: true }
      : { kind: 'conflict', retryable: false };
  }
  // A stale If-Match: re-read and try again.
  if (status === 412) return { kind: 'conflict', retryable: true };
  if (status === 408 || (status >= 500 && status !== 501 && status !== 505)) return transient();
  if (status === 401 || status === 403) return { kind: 'permission', retryable: false };
  if (status === 404) return { kind: 'not_found', retryable: false };
  if (status >= 400 && status < 500) return byCode(code);
  return { kind: 'unknown', retryable: false };
}

function transient(): Classified {
  return { kind: 'transient', retryable: true };
}

function byCode(code: string): Classified {
  if (QUOTA_CODES.test(code)) return { kind: 'quota', retryable: false };
  if (code === 'AuthorizationFailed' || code === 'LinkedAuthorizationFailed') return { kind: 'permission', retryable: false };
  return { kind: 'validation', retryable: false };
}

/**
 * The wait ARM asks for, in ms: `retry-after-ms` and `x-ms-retry-after-ms` are milliseconds, `Retry-After`
 * seconds or an HTTP date, read in that order as core-rest-pipeline's throttlingRetryStrategy reads them.
 */
export function retryAfterMs(get: (name: string) => string | undefined | null, now: number = Date.now()): number | undefined {
  for (const header of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = get(header);
    if (value && /^\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  }
  const value = get('retry-after');
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** What the response tracker saw of a failed long-running operation. */
export interface OperationFailure {
  code: string;
  message: string;
  requestId?: string;
}

/** Turns anything the SDK throws into a typed ConnectorError. */
export function classifyAzureError(error: unknown, operationFailure?: OperationFailure): ConnectorError {
  if (error instanceof ConnectorError) return error;
  if (operationFailure) {
    const { kind, retryable } = classifyStatus(undefined, operationFailure.code);
    return new ConnectorError({
      kind,
      retryable,
      code: operationFailure.code,
      message: `the long-running operation failed: ${operationFailure.message}`,
      ...(operationFailure.requestId ? { requestId: operationFailure.requestId } : {}),
    });
  }
  if (isRestError(error)) {
    const status = error.statusCode;
    const headers = error.response?.headers;
    const requestId = headers?.get('x-ms-request-id') ?? undefined;
    if (status === undefined) {
      // No response at all: connection refused or reset, DNS, TLS. Another attempt may reach the API.
      return new ConnectorError({ kind: 'transient', retryable: true, code: error.code ?? 'REQUEST_SEND_ERROR', message: error.message });
    }
    const code = error.code ?? `HTTP${status}`;
    const { kind, retryable } = classifyStatus(status, code);
    const info: ConnectorErrorInfo = { kind, retryable, code, message: firstLine(error.message), status };
    if (requestId) info.requestId = requestId;
    const retryAfter = headers ? retryAfterMs((name) => headers.get(name)) : undefined;
    return new ConnectorError(info, retryAfter);
  }
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'CredentialUnavailableError' || name === 'AuthenticationError' || name === 'AggregateAuthenticationError') {
    return new ConnectorError({ kind: 'permission', retryable: false, code: name, message: firstLine(message) });
  }
  return new ConnectorError({ kind: 'unknown', retryable: false, code: name || 'Error', message: firstLine(message) });
}

/** The SDK's RestError, recognised by shape (core-rest-pipeline is not a direct dependency of this project). */
interface RestErrorLike {
  name: 'RestError';
  message: string;
  code?: string;
  statusCode?: number;
  response?: { headers: { get(name: string): string | undefined } };
}

function isRestError(error: unknown): error is RestErrorLike {
  return error instanceof Error && error.name === 'RestError';
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

import { ConnectorError, type ConnectorErrorKind } from '../../src/connectors/types.ts';

/**
 * Maps a Network Firewall failure (an SDK ServiceException or a network error) to a typed
 * ConnectorError for the shared retry policy. Error names from the API reference's "Errors" sections.
 */
interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { headers?: Record<string, string | undefined> };
}

const TRANSIENT = new Set(['InternalServerError', 'ServiceUnavailableException', 'InsufficientCapacityException']);
const PERMISSION = new Set([
  'AccessDeniedException',
  'MissingAuthenticationTokenException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'ResourceOwnerCheckException',
]);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'TimeoutError', 'RequestTimeout']);
/** UpdateRuleGroup refuses rules over the group's fixed capacity with InvalidRequestException "... capacity exceeded". */
export const CAPACITY_MESSAGE = /capacity exceeded/i;

function kindOf(code: string, status: number | undefined, message: string): { kind: ConnectorErrorKind; retryable: boolean } {
  if (code === 'ThrottlingException' || status === 429) return { kind: 'throttled', retryable: true };
  if (TRANSIENT.has(code) || NETWORK.has(code) || (status !== undefined && status >= 500)) return { kind: 'transient', retryable: true };
  if (PERMISSION.has(code)) return { kind: 'permission', retryable: false };
  // A stale token is never worth resending as is: the caller describes the group again and re-plans.
  if (code === 'InvalidTokenException') return { kind: 'conflict', retryable: false };
  if (code === 'ResourceNotFoundException') return { kind: 'not_found', retryable: false };
  if (code === 'LimitExceededException') return { kind: 'quota', retryable: false };
  if (code === 'InvalidRequestException') return CAPACITY_MESSAGE.test(message) ? { kind: 'capacity', retryable: false } : { kind: 'validation', retryable: false };
  if (code === 'InvalidOperationException' || code === 'UnsupportedOperationException') return { kind: 'validation', retryable: false };
  // No status at all: most likely a dropped connection, worth another try.
  if (status === undefined) return { kind: 'transient', retryable: true };
  return { kind: 'unknown', retryable: false };
}

/** Seconds (or an HTTP date) from Retry-After, when a proxy or the service sent one. */
function retryAfterMs(headers: Record<string, string | undefined> | undefined, now: number): number | undefined {
  const raw = headers?.['retry-after'];
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function classifyNfwError(error: unknown, now: number = Date.now()): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const shaped: SdkErrorShape = typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
  const fromService = shaped.$metadata !== undefined;
  const code = fromService ? (shaped.name ?? 'Unknown') : (shaped.code ?? shaped.name ?? 'Unknown');
  const status = shaped.$metadata?.httpStatusCode;
  const message = shaped.message ?? String(error);
  const { kind, retryable } = kindOf(code, status, message);
  return new ConnectorError(
    {
      kind,
      code,
      message,
      retryable,
      ...(status !== undefined ? { status } : {}),
      ...(shaped.$metadata?.requestId ? { requestId: shaped.$metadata.requestId } : {}),
    },
    retryAfterMs(shaped.$response?.headers, now),
  );
}

import { ConnectorError, type ConnectorErrorKind } from '../../src/connectors/types.ts';

/**
 * Maps an EC2 failure (an SDK ServiceException or a network error) to a typed ConnectorError that the
 * shared retry policy understands. Codes per /work/shared/reference/cloud-apis.md §1 and §4.
 */
interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { headers?: Record<string, string | undefined> };
}

const TRANSIENT_CODES = new Set(['InternalError', 'InternalFailure', 'Unavailable', 'ServiceUnavailable']);
const PERMISSION_CODES = new Set(['UnauthorizedOperation', 'AuthFailure', 'Blocked', 'OptInRequired', 'SignatureDoesNotMatch']);
const CONFLICT_CODES = new Set(['InvalidPermission.Duplicate', 'NetworkAclEntryAlreadyExists', 'InvalidGroup.Duplicate']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'TimeoutError', 'RequestTimeout']);

function kindOf(code: string, status: number | undefined): { kind: ConnectorErrorKind; retryable: boolean } {
  if (code === 'RequestLimitExceeded' || code.includes('Throttling') || status === 429) return { kind: 'throttled', retryable: true };
  if (TRANSIENT_CODES.has(code) || NETWORK_CODES.has(code) || (status !== undefined && [500, 502, 503, 504].includes(status))) {
    return { kind: 'transient', retryable: true };
  }
  if (PERMISSION_CODES.has(code)) return { kind: 'permission', retryable: false };
  if (CONFLICT_CODES.has(code)) return { kind: 'conflict', retryable: false };
  if (code.endsWith('LimitExceeded')) return { kind: 'quota', retryable: false };
  if (code.endsWith('.NotFound')) return { kind: 'not_found', retryable: false };
  if (code.startsWith('Invalid') || code === 'MissingParameter' || code === 'UnknownParameter') return { kind: 'validation', retryable: false };
  // A response the SDK could not attribute (no status) is most likely a dropped connection: worth another try.
  if (status === undefined && code !== 'DryRunOperation') return { kind: 'transient', retryable: true };
  return { kind: 'unknown', retryable: false };
}

/** Seconds (or an HTTP date) from Retry-After; EC2 does not normally send one, proxies and emulators may. */
function retryAfterMs(headers: Record<string, string | undefined> | undefined, now: number): number | undefined {
  const raw = headers?.['retry-after'];
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function classifyEc2Error(error: unknown, now: number = Date.now()): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const shaped: SdkErrorShape = typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
  const isSdkError = shaped.$metadata !== undefined;
  const code = isSdkError ? (shaped.name ?? 'Unknown') : (shaped.code ?? shaped.name ?? 'Unknown');
  const status = shaped.$metadata?.httpStatusCode;
  const { kind, retryable } = kindOf(code, status);
  const info = {
    kind,
    code,
    message: shaped.message ?? String(error),
    retryable,
    ...(status !== undefined ? { status } : {}),
    ...(shaped.$metadata?.requestId ? { requestId: shaped.$metadata.requestId } : {}),
  };
  return new ConnectorError(info, retryAfterMs(shaped.$response?.headers, now));
}

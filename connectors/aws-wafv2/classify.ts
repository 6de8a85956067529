import { ConnectorError, type ConnectorErrorKind } from '../../src/connectors/types.ts';

/**
 * Maps a WAFV2 failure (an SDK ServiceException or a network error) to a typed ConnectorError for the
 * shared retry policy. Codes from the WAFV2 API reference (each action's Errors) and the service model.
 */
interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { headers?: Record<string, string | undefined> };
}

const RULES: [RegExp, ConnectorErrorKind, boolean][] = [
  // WAF's write rate (1 call per second per action) answers ThrottlingException: Rate exceeded.
  [/^(ThrottlingException|Throttling|TooManyRequestsException|RequestLimitExceeded)$/, 'throttled', true],
  // Someone (or our own earlier attempt) changed the entity after it was read: re-read and write again.
  [/^WAFOptimisticLockException$/, 'conflict', true],
  // A set created moments ago may not be usable in a web ACL yet ("you might just need to wait").
  [/^(WAFInternalErrorException|WAFUnavailableEntityException|ServiceUnavailableException|InternalFailure|ServiceUnavailable)$/, 'transient', true],
  [/^(AccessDeniedException|UnrecognizedClientException|MissingAuthenticationTokenException|InvalidSignatureException|ExpiredTokenException|WAFInvalidPermissionPolicyException)$/, 'permission', false],
  // A resource limit (IP sets per account, addresses per set, WCUs per web ACL): another try cannot help.
  [/^WAFLimitsExceededException$/, 'quota', false],
  [/^WAFNonexistentItemException$/, 'not_found', false],
  [/^(WAFDuplicateItemException|WAFAssociatedItemException)$/, 'conflict', false],
  [/^(WAFInvalidParameterException|ValidationException|WAFInvalidOperationException|SerializationException|WAFInvalidResourceException)$/, 'validation', false],
];

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'TimeoutError', 'RequestTimeout']);

/** An operator-facing sentence for the codes whose SDK message says too little. */
const EXPLAIN: Record<string, string> = {
  WAFLimitsExceededException: 'AWS WAF refused for a resource limit (IP sets per account and scope, 10,000 addresses per set, or the web ACL’s WCUs)',
  WAFOptimisticLockException: 'the IP set or web ACL changed after it was read (LockToken stale)',
  ThrottlingException: 'AWS WAF throttled the call (about one write per second per action and account)',
};

function kindOf(code: string, status: number | undefined): { kind: ConnectorErrorKind; retryable: boolean } {
  for (const [pattern, kind, retryable] of RULES) if (pattern.test(code)) return { kind, retryable };
  if (status === 429) return { kind: 'throttled', retryable: true };
  if (NETWORK_CODES.has(code) || (status !== undefined && status >= 500)) return { kind: 'transient', retryable: true };
  // No status: most likely a dropped connection, worth another try.
  if (status === undefined) return { kind: 'transient', retryable: true };
  return { kind: 'unknown', retryable: false };
}

export function classifyWafError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const shaped: SdkErrorShape = typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
  const isSdkError = shaped.$metadata !== undefined;
  const code = isSdkError ? (shaped.name ?? 'Unknown') : (shaped.code ?? shaped.name ?? 'Unknown');
  const status = shaped.$metadata?.httpStatusCode;
  const { kind, retryable } = kindOf(code, status);
  const raw = shaped.message ?? String(error);
  const message = EXPLAIN[code] ? `${EXPLAIN[code]}: ${raw}` : raw;
  const retryAfter = Number(shaped.$response?.headers?.['retry-after']);
  return new ConnectorError(
    {
      kind,
      code,
      message,
      retryable,
      ...(status !== undefined ? { status } : {}),
      ...(shaped.$metadata?.requestId ? { requestId: shaped.$metadata.requestId } : {}),
    },
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
  );
}

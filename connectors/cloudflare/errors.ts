/** Classifies Cloudflare API answers into ConnectorErrors that say whether another attempt can help. */

import { ConnectorError, type ConnectorErrorKind } from '../../src/connectors/types.ts';

/** The global rate limit's code ("Please wait and consider throttling your request speed"). */
export const RATE_LIMIT_CODE = 971;

export interface CloudflareErrorBody {
  code: number;
  message: string;
}

/** Retry-After is whole seconds (developers.cloudflare.com/fundamentals/api/reference/limits/). */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/**
 * An unsuccessful envelope as a ConnectorError. The status decides the kind (codes are not all
 * documented): 429 is the global rate limit (code 971) or a bulk operation still pending on the
 * account (retry when it completes); 5xx is transient; 401/403 a missing permission; 404 not found.
 */
export function errorFromResponse(
  status: number,
  errors: CloudflareErrorBody[],
  context: string,
  requestId: string | undefined,
  retryAfter: number | undefined,
): ConnectorError {
  const first = errors[0];
  const code = first ? String(first.code) : String(status);
  const cloudMessage = errors.map((e) => `${e.message} (code ${e.code})`).join('; ') || `HTTP ${status}`;
  const [kind, retryable, hint] = kindOf(status, first?.code);
  return new ConnectorError(
    {
      kind,
      code,
      message: `${context}: Cloudflare answered ${status}: ${cloudMessage}${hint ? `. ${hint}` : ''}`,
      retryable,
      status,
      ...(requestId ? { requestId } : {}),
    },
    retryAfter,
  );
}

function kindOf(status: number, code: number | undefined): [ConnectorErrorKind, boolean, string?] {
  if (status === 429) return code === RATE_LIMIT_CODE ? ['throttled', true] : ['conflict', true];
  if (status >= 500) return ['transient', true];
  if (status === 401 || status === 403) {
    return ['permission', false, 'the API token needs Account Filter Lists Edit on the account and Zone WAF Read on the zone'];
  }
  if (status === 404) return ['not_found', false];
  return ['validation', false];
}

/** A network failure (no answer) is transient; anything else unexpected is not retried. */
export function classifyUnknown(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const network = error instanceof TypeError || /fetch failed|ECONNRESET|ECONNREFUSED|socket|network/i.test(message);
  return new ConnectorError({
    kind: network ? 'transient' : 'unknown',
    code: network ? 'NetworkError' : 'UnexpectedError',
    message: `Cloudflare API call failed: ${message}`,
    retryable: network,
  });
}

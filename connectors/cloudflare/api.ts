/**
 * A small client for the Cloudflare REST API v4 over `fetch` (runtime-free: it runs on Node and on
 * Workers). Every call goes through the shared retry policy; the API token is sent only in the
 * Authorization header and never logged or put in an error.
 */

import { withRetry } from '../../src/connectors/retry.ts';
import { type AttemptRecord, type ConnectorContext, ConnectorError } from '../../src/connectors/types.ts';
import { type CloudflareErrorBody, classifyUnknown, errorFromResponse, retryAfterMs } from './errors.ts';

export const CLOUDFLARE_ORIGIN = 'https://api.cloudflare.com';
/** The static token used against the simulator; it is not a secret and never reaches Cloudflare. */
export const SIMULATOR_API_TOKEN = 'portcullis-simulator-token';

/** The v4 envelope every endpoint answers with. */
export interface Envelope<T> {
  success: boolean;
  errors: CloudflareErrorBody[];
  messages: CloudflareErrorBody[];
  result: T;
  result_info?: { cursors?: { after?: string; before?: string }; count?: number; per_page?: number; total_count?: number };
}

export interface CallRecord {
  operation: string;
  requestId?: string;
  attempts: AttemptRecord[];
}

export type CallOutcome<T> = { ok: true; value: Envelope<T>; record: CallRecord } | { ok: false; error: ConnectorError; record: CallRecord };

export interface CloudflareApi {
  /** One API call (an operation id from Cloudflare's OpenAPI names it in the audit log), retried by the shared policy. */
  call<T>(operation: string, method: string, path: string, body?: unknown): Promise<CallOutcome<T>>;
}

export function createCloudflareApi(origin: string, token: string, ctx: Pick<ConnectorContext, 'clock' | 'retry'>): CloudflareApi {
  const base = `${origin.replace(/\/+$/, '')}/client/v4`;
  return {
    async call<T>(operation: string, method: string, path: string, body?: unknown): Promise<CallOutcome<T>> {
      let requestId: string | undefined;
      const outcome = await withRetry<Envelope<T>>(
        operation,
        async () => {
          const response = await fetch(`${base}${path}`, {
            method,
            headers: {
              authorization: `Bearer ${token}`,
              accept: 'application/json',
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
          requestId = response.headers.get('cf-ray') ?? undefined;
          const envelope = await readEnvelope<T>(response);
          if (!response.ok || !envelope?.success) {
            throw errorFromResponse(
              response.status,
              envelope?.errors ?? [],
              `${operation} (${method} ${path})`,
              requestId,
              retryAfterMs(response.headers.get('retry-after')),
            );
          }
          return { value: envelope, ...(requestId ? { requestId } : {}) };
        },
        ctx,
        classifyUnknown,
      );
      const record: CallRecord = { operation, attempts: outcome.attempts, ...(requestId ? { requestId } : {}) };
      return outcome.ok ? { ok: true, value: outcome.value, record } : { ok: false, error: new ConnectorError(outcome.error), record };
    },
  };
}

/** The envelope of an answer, or undefined when the body is not one (a proxy's HTML page). */
async function readEnvelope<T>(response: Response): Promise<Envelope<T> | undefined> {
  const text = await response.text();
  try {
    const parsed = JSON.parse(text) as Envelope<T>;
    return typeof parsed === 'object' && parsed !== null && 'success' in parsed ? parsed : undefined;
  } catch {
    return undefined;
  }
}

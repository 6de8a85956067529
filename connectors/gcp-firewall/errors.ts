/** Turns compute v1 errors (HTTP error envelopes and failed Operations) into typed ConnectorErrors. */

import { ConnectorError, type ConnectorErrorInfo, type ConnectorErrorKind } from '../../src/connectors/types.ts';

/** GCP sends no Retry-After on compute rate limits and asks clients to wait; this is the floor we wait. */
export const RATE_LIMIT_FLOOR_MS = 10_000;

interface GaxiosLikeError {
  message?: string;
  code?: string | number;
  status?: number;
  response?: { status?: number; data?: unknown; headers?: unknown };
}

interface ErrorEnvelope {
  error?: { code?: number; message?: string; errors?: { reason?: string; message?: string; domain?: string }[] };
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

function parseEnvelope(data: unknown): ErrorEnvelope['error'] | undefined {
  if (typeof data === 'string') {
    try {
      return (JSON.parse(data) as ErrorEnvelope).error;
    } catch {
      return undefined;
    }
  }
  if (data && typeof data === 'object') return (data as ErrorEnvelope).error;
  return undefined;
}

function kindFor(status: number | undefined, reason: string): { kind: ConnectorErrorKind; retryable: boolean } {
  const r = reason.toLowerCase();
  if (r === 'ratelimitexceeded' || r === 'userratelimitexceeded' || r === 'rate_limit_exceeded' || status === 429) {
    return { kind: 'throttled', retryable: true };
  }
  if (r === 'quota_exceeded' || r === 'quotaexceeded') return { kind: 'quota', retryable: false };
  // 413 fieldSizeTooLarge: more ranges (or accounts, tags) than a rule can hold. The rule does not fit: capacity.
  if (r === 'fieldsizetoolarge' || status === 413) return { kind: 'capacity', retryable: false };
  // A stale fingerprint: repeating the same request cannot help; the caller re-reads and tries again.
  if (r === 'conditionnotmet' || status === 412) return { kind: 'conflict', retryable: false };
  if (r === 'resourcenotready' || r === 'resource_not_ready' || r === 'resourceinusebyanotherresource') {
    return { kind: 'transient', retryable: true };
  }
  if (r === 'alreadyexists' || r === 'resource_already_exists' || status === 409) return { kind: 'conflict', retryable: false };
  if (r === 'notfound' || r === 'resource_not_found' || status === 404) return { kind: 'not_found', retryable: false };
  if (status === 401 || status === 403) return { kind: 'permission', retryable: false };
  if (status === 400) return { kind: 'validation', retryable: false };
  if (status === undefined || status === 408 || status >= 500) return { kind: 'transient', retryable: true };
  return { kind: 'unknown', retryable: false };
}

/** Classifies an error thrown by the googleapis client (or the network under it). */
export function classifyGcpError(error: unknown, requestId?: string): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = (error ?? {}) as GaxiosLikeError;
  const status = e.response?.status ?? e.status;
  const envelope = parseEnvelope(e.response?.data);
  const first = envelope?.errors?.[0];
  const reason = first?.reason ?? (status === undefined ? String(e.code ?? 'NETWORK_ERROR') : `HTTP_${status}`);
  const { kind, retryable } = kindFor(status, reason);
  const info: ConnectorErrorInfo = {
    kind,
    code: reason,
    message: envelope?.message ?? first?.message ?? e.message ?? 'request failed',
    retryable,
  };
  if (status !== undefined) info.status = status;
  if (requestId) info.requestId = requestId;
  const retryAfter = Number(headerOf(e.response?.headers, 'retry-after'));
  let retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
  if (kind === 'throttled' && retryAfterMs === undefined) retryAfterMs = RATE_LIMIT_FLOOR_MS;
  return new ConnectorError(info, retryAfterMs);
}

export interface OperationError {
  error?: { errors?: { code?: string | null; message?: string | null }[] | null } | null;
  httpErrorStatusCode?: number | null;
  httpErrorMessage?: string | null;
  name?: string | null;
}

/** A DONE operation that carries `error` is a failure; its first error code decides the kind. */
export function classifyOperationError(operation: OperationError, requestId?: string): ConnectorError {
  const first = operation.error?.errors?.[0];
  const code = first?.code ?? 'OPERATION_FAILED';
  const status = operation.httpErrorStatusCode ?? undefined;
  const { kind, retryable } = kindFor(status ?? 500, code);
  const info: ConnectorErrorInfo = {
    kind,
    code,
    message: first?.message ?? operation.httpErrorMessage ?? `operation ${operation.name ?? ''} failed`,
    retryable,
  };
  if (status !== undefined) info.status = status;
  const id = requestId ?? operation.name ?? undefined;
  if (id) info.requestId = id;
  return new ConnectorError(info);
}

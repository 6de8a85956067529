import type { NetworkManagementClient } from '@azure/arm-network';
import { withRetry, type RetryOutcome } from '../../src/connectors/retry.ts';
import { ConnectorError, type ConnectorContext, type OperationResult, type RetryOptions } from '../../src/connectors/types.ts';
import { classifyAzureError, type OperationFailure, retryAfterMs } from './errors.ts';

export type CallRecord = OperationResult['calls'][number];

/** What every ARM call needs: the SDK client, the injected clock and the one retry policy. */
export interface ArmContext {
  client: NetworkManagementClient;
  clock: ConnectorContext['clock'];
  retry: RetryOptions;
  /** Wait between operation-status polls when Azure sends no Retry-After. */
  pollIntervalMs: number;
  random?: () => number;
}

interface RawResponse {
  status: number;
  headers: { get(name: string): string | undefined };
  parsedBody?: unknown;
  bodyAsText?: string | null;
}

interface PollerLike<T> {
  isDone(): boolean;
  poll(): Promise<void>;
  getResult(): T | undefined;
}

/**
 * Watches every raw response of one attempt (initial request, status polls, final GET) through the
 * SDK's `onResponse` hook: the request id of the initial request and the
 * error of a Failed operation (core-lro only keeps it as text).
 */
class ResponseTracker {
  requestId: string | undefined;
  failure: OperationFailure | undefined;

  readonly onResponse = (raw: RawResponse): void => {
    const requestId = raw.headers.get('x-ms-request-id');
    if (requestId && !this.requestId) this.requestId = requestId;
    const body = bodyOf(raw);
    if (body && (body.status === 'Failed' || body.status === 'Canceled')) {
      this.failure = {
        code: body.error?.code ?? (body.status === 'Canceled' ? 'Canceled' : 'OperationFailed'),
        message: body.error?.message ?? `the operation ended ${body.status}`,
        ...(requestId ? { requestId } : {}),
      };
    }
  };
}

interface StatusBody {
  status?: string;
  error?: { code?: string; message?: string };
}

function bodyOf(raw: RawResponse): StatusBody | undefined {
  const parsed = raw.parsedBody;
  if (parsed && typeof parsed === 'object' && 'status' in parsed) return parsed as StatusBody;
  if (!raw.bodyAsText) return undefined;
  try {
    const json: unknown = JSON.parse(raw.bodyAsText);
    return json && typeof json === 'object' ? (json as StatusBody) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs one ARM call (plain or long-running) under the shared retry policy and records its attempts. */
export async function armCall<T>(
  ctx: ArmContext,
  operation: string,
  fn: (onResponse: (raw: RawResponse) => void) => Promise<T>,
): Promise<{ outcome: RetryOutcome<T>; call: CallRecord }> {
  const outcome = await withRetry(
    operation,
    async () => {
      const tracker = new ResponseTracker();
      try {
        const value = await fn(tracker.onResponse);
        return { value, ...(tracker.requestId ? { requestId: tracker.requestId } : {}) };
      } catch (error) {
        const classified = classifyAzureError(error, tracker.failure);
        if (!classified.info.requestId && tracker.requestId) classified.info.requestId = tracker.requestId;
        throw classified;
      }
    },
    ctx,
    (error) => classifyAzureError(error),
    ctx.random,
  );
  const last = outcome.attempts.at(-1);
  const call: CallRecord = { operation, attempts: outcome.attempts };
  if (last?.requestId) call.requestId = last.requestId;
  return { outcome, call };
}

/**
 * Follows a long-running operation to its end. The waits go through the injected clock (so tests
 * use fake time) and honour the Retry-After of each status response, as core-lro would.
 */
export async function followOperation<T>(
  ctx: ArmContext,
  poller: PollerLike<T>,
  onResponseRetryAfter: () => number | undefined,
): Promise<T | undefined> {
  const started = ctx.clock.now();
  while (!poller.isDone()) {
    if (ctx.clock.now() - started > ctx.retry.deadlineMs) {
      throw new ConnectorError({
        kind: 'pending',
        retryable: false,
        code: 'OperationStillInProgress',
        message: `the operation was still in progress after ${ctx.retry.deadlineMs} ms`,
      });
    }
    await ctx.clock.sleep(onResponseRetryAfter() ?? ctx.pollIntervalMs);
    await poller.poll();
  }
  return poller.getResult();
}

/** Runs a long-running ARM call: the begin call (initial request + first poll), then polls to the end. */
export function armLongRunning<T>(
  ctx: ArmContext,
  operation: string,
  begin: (options: { onResponse: (raw: RawResponse) => void; updateIntervalInMs: number }) => Promise<PollerLike<T>>,
): Promise<{ outcome: RetryOutcome<T | undefined>; call: CallRecord }> {
  return armCall(ctx, operation, async (onResponse) => {
    let latestRetryAfter: number | undefined;
    const watch = (raw: RawResponse) => {
      onResponse(raw);
      latestRetryAfter = retryAfterMs((name) => raw.headers.get(name), ctx.clock.now());
    };
    const poller = await begin({ onResponse: watch, updateIntervalInMs: ctx.pollIntervalMs });
    return followOperation(ctx, poller, () => latestRetryAfter);
  });
}

export type { RawResponse };

/**
 * How every compute call is made: reads and mutations go through the shared `withRetry`; a mutation
 * carries one requestId on every retry and is followed by polling its Operation to DONE.
 */

import { randomUUID } from 'node:crypto';
import type { compute_v1 } from '@googleapis/compute';
import { withRetry } from '../../src/connectors/retry.ts';
import type { ConnectorContext, ConnectorErrorInfo, OperationResult } from '../../src/connectors/types.ts';
import { classifyGcpError, classifyOperationError } from './errors.ts';

export type Operation = compute_v1.Schema$Operation;
export type CallRecord = OperationResult['calls'][number];
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ConnectorErrorInfo };

/** Fresh operations are polled after this delay, doubling up to the cap (`wait` usually returns at DONE anyway). */
const FIRST_POLL_DELAY_MS = 500;
const MAX_POLL_DELAY_MS = 5_000;
/**
 * A DONE operation with a retryable error (e.g. an internal error) definitively failed, and GCP would
 * return that same failed operation for the same requestId; so such a retry starts over with a new one.
 */
const OPERATION_ATTEMPTS = 3;

export interface GcpCalls {
  compute: compute_v1.Compute;
  project: string;
  ctx: Pick<ConnectorContext, 'clock' | 'retry'>;
  newRequestId?: () => string;
}

function requestIdFrom(gc: GcpCalls): string {
  const id = (gc.newRequestId ?? randomUUID)();
  // GCP rejects the all-zero UUID; never send it.
  return /^[0-]+$/.test(id) ? randomUUID() : id;
}

/** A read, retried by the shared policy, recorded in `calls`. */
export async function read<T>(
  gc: GcpCalls,
  operation: string,
  calls: CallRecord[],
  send: () => Promise<{ data: T }>,
): Promise<Outcome<T>> {
  const outcome = await withRetry(operation, async () => ({ value: (await send()).data }), gc.ctx, (e) =>
    classifyGcpError(e),
  );
  calls.push({ operation, attempts: outcome.attempts });
  return outcome.ok ? { ok: true, value: outcome.value } : { ok: false, error: outcome.error };
}

/** A mutation: the same requestId on every retry of the request, then its Operation polled to DONE. */
export async function mutate(
  gc: GcpCalls,
  operation: string,
  calls: CallRecord[],
  send: (requestId: string) => Promise<{ data: Operation }>,
): Promise<Outcome<Operation>> {
  let last: ConnectorErrorInfo | undefined;
  for (let round = 1; round <= OPERATION_ATTEMPTS; round++) {
    const requestId = requestIdFrom(gc);
    const sent = await withRetry(
      operation,
      async () => ({ value: (await send(requestId)).data, requestId }),
      gc.ctx,
      (e) => classifyGcpError(e, requestId),
    );
    calls.push({ operation, requestId, attempts: sent.attempts });
    if (!sent.ok) return { ok: false, error: sent.error };
    const done = await waitForOperation(gc, sent.value, calls);
    if (!done.ok) return done;
    if (!done.value.error) return done;
    const failed = classifyOperationError(done.value, requestId);
    last = failed.info;
    if (!failed.info.retryable) break;
  }
  return { ok: false, error: last ?? unknownError('operation failed') };
}

function unknownError(message: string): ConnectorErrorInfo {
  return { kind: 'unknown', code: 'UNKNOWN', message, retryable: false };
}

/** Polls with `globalOperations.wait` / `zoneOperations.wait` until DONE or the retry deadline passes. */
async function waitForOperation(gc: GcpCalls, first: Operation, calls: CallRecord[]): Promise<Outcome<Operation>> {
  let current = first;
  if (current.status === 'DONE') return { ok: true, value: current };
  const name = current.name ?? '';
  const zone = current.zone?.split('/').at(-1);
  const operation = zone ? 'compute.zoneOperations.wait' : 'compute.globalOperations.wait';
  const record: CallRecord = { operation, requestId: name, attempts: [] };
  calls.push(record);
  const started = gc.ctx.clock.now();
  let delay = FIRST_POLL_DELAY_MS;
  while (current.status !== 'DONE') {
    if (gc.ctx.clock.now() - started > gc.ctx.retry.deadlineMs) {
      return {
        ok: false,
        error: {
          kind: 'pending',
          code: 'OPERATION_NOT_DONE',
          message: `operation ${name} was still ${current.status} after ${gc.ctx.retry.deadlineMs} ms`,
          retryable: true,
          requestId: name,
        },
      };
    }
    const polled = await withRetry(
      operation,
      async () => {
        const res = zone
          ? await gc.compute.zoneOperations.wait({ project: gc.project, zone, operation: name })
          : await gc.compute.globalOperations.wait({ project: gc.project, operation: name });
        return { value: res.data, requestId: name };
      },
      gc.ctx,
      (e) => classifyGcpError(e, name),
    );
    for (const attempt of polled.attempts) record.attempts.push({ ...attempt, attempt: record.attempts.length + 1 });
    if (!polled.ok) return { ok: false, error: polled.error };
    current = polled.value;
    if (current.status !== 'DONE') {
      await gc.ctx.clock.sleep(delay);
      delay = Math.min(delay * 2, MAX_POLL_DELAY_MS);
    }
  }
  return { ok: true, value: current };
}

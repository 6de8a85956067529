import pRetry, { AbortError } from 'p-retry';
import {
  type AttemptRecord,
  ConnectorError,
  type ConnectorErrorInfo,
  type ConnectorContext,
  type RetryOptions,
} from './types.ts';

/**
 * The one retry policy every connector uses. Each cloud classifies its own errors into a
 * `ConnectorError` (retryable or not); this function decides when to try again.
 *
 * - Exponential backoff with full jitter: delay = random(0.5..1) * min(cap, base * 2^(attempt-1)).
 * - A Retry-After from the cloud is a floor on the delay (never waited less than the cloud asked).
 * - An overall deadline: no attempt starts after it, and no wait runs past it.
 * - The wait is done through the injected clock, so tests use a fake clock instead of real time.
 * - Every attempt is recorded and returned for the audit log.
 */
export async function withRetry<T>(
  operation: string,
  fn: (attempt: number) => Promise<{ value: T; requestId?: string }>,
  ctx: Pick<ConnectorContext, 'clock'> & { retry: RetryOptions },
  classify: (error: unknown) => ConnectorError,
  random: () => number = Math.random,
): Promise<RetryOutcome<T>> {
  const { clock, retry } = ctx;
  const attempts: AttemptRecord[] = [];
  const started = clock.now();
  let lastError: ConnectorError | undefined;

  try {
    const value = await pRetry(
      async (attempt) => {
        const at = new Date(clock.now()).toISOString();
        try {
          const { value, requestId } = await fn(attempt);
          attempts.push({ attempt, at, outcome: 'ok', ...(requestId ? { requestId } : {}) });
          return value;
        } catch (error) {
          const classified = error instanceof ConnectorError ? error : classify(error);
          lastError = classified;
          const record: AttemptRecord = {
            attempt,
            at,
            outcome: classified.info.retryable ? 'retryable' : 'fatal',
            code: classified.info.code,
          };
          if (classified.info.status !== undefined) record.status = classified.info.status;
          if (classified.info.requestId !== undefined) record.requestId = classified.info.requestId;
          attempts.push(record);
          if (!classified.info.retryable) throw new AbortError(classified);
          throw classified;
        }
      },
      {
        retries: Math.max(0, retry.maxAttempts - 1),
        // p-retry runs the loop; the waiting is ours (below) so it goes through the injected clock.
        minTimeout: 0,
        maxTimeout: 0,
        onFailedAttempt: async ({ attemptNumber, retriesLeft }) => {
          if (retriesLeft === 0 || !lastError) return;
          const exponential = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attemptNumber - 1));
          const jittered = Math.round(exponential * (0.5 + random() / 2));
          const delay = Math.max(jittered, lastError.retryAfterMs ?? 0);
          const elapsed = clock.now() - started;
          if (elapsed + delay > retry.deadlineMs) {
            throw new AbortError(
              new ConnectorError({
                ...lastError.info,
                retryable: false,
                message: `${lastError.info.message} (${operation}: gave up, the ${retry.deadlineMs} ms deadline would pass before attempt ${attemptNumber + 1})`,
              }),
            );
          }
          const last = attempts.at(-1);
          if (last) last.delayMs = delay;
          await clock.sleep(delay);
        },
      },
    );
    return { ok: true, value, attempts };
  } catch (error) {
    const unwrapped = error instanceof AbortError ? error.originalError : error;
    const final = unwrapped instanceof ConnectorError ? unwrapped : (lastError ?? classify(unwrapped));
    return { ok: false, error: final.info, attempts };
  }
}

export type RetryOutcome<T> =
  | { ok: true; value: T; attempts: AttemptRecord[] }
  | { ok: false; error: ConnectorErrorInfo; attempts: AttemptRecord[] };

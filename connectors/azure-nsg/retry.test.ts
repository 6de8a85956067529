import { afterEach, describe, expect, it } from 'vitest';
import { type AzureSandbox, denyRule, startAzureSandbox, TEST_BAND, TEST_TARGET } from './harness.ts';

let sandbox: AzureSandbox;
afterEach(() => sandbox?.close());

const create = (priority: number = TEST_BAND.from + 10) => ({ op: 'create' as const, rule: denyRule(['203.0.113.7/32'], priority) });

describe('long-running operations', () => {
  it('polls a slow operation to Succeeded, waiting the Retry-After on the injected clock', async () => {
    sandbox = startAzureSandbox();
    sandbox.sim.controls.slowOperations(3);
    const started = sandbox.clock.now();
    const [result] = await sandbox.connector.apply(TEST_TARGET, [create()]);
    expect(result?.ok).toBe(true);
    // First poll right after the PUT (as the SDK does), then 3 s (Azure's Retry-After) between polls.
    expect(sandbox.clock.sleeps).toEqual([3000, 3000, 3000]);
    expect(sandbox.clock.now() - started).toBe(9000);
    const polls = sandbox.sim.controls.requests().filter((r) => r.path.includes('/operations/'));
    expect(polls).toHaveLength(4);
    expect((await sandbox.connector.list(TEST_TARGET))[0]?.cloudId).toBe('portcullis-in-1010');
  });

  it('uses pollIntervalMs when the simulator sends Retry-After: 0', async () => {
    sandbox = startAzureSandbox({ sim: { operationRetryAfterSeconds: 0 }, config: { pollIntervalMs: 0 } });
    sandbox.sim.controls.slowOperations(2);
    const [result] = await sandbox.connector.apply(TEST_TARGET, [create()]);
    expect(result?.ok).toBe(true);
    expect(sandbox.clock.sleeps).toEqual([0, 0]);
  });

  it('reports a Failed operation with its code, rolls nothing forward, and does not retry a validation failure', async () => {
    sandbox = startAzureSandbox();
    sandbox.sim.controls.failNextOperation({ code: 'SecurityRuleParameterContainsUnsupportedValue', message: 'bad value' });
    const [result] = await sandbox.connector.apply(TEST_TARGET, [create()]);
    expect(result?.ok).toBe(false);
    expect(result?.error).toMatchObject({ kind: 'validation', code: 'SecurityRuleParameterContainsUnsupportedValue', retryable: false });
    expect(result?.calls.at(-1)?.attempts).toHaveLength(1);
    expect(await sandbox.connector.list(TEST_TARGET)).toEqual([]);
  });

  it('retries an operation that Failed with a transient code and succeeds', async () => {
    sandbox = startAzureSandbox();
    sandbox.sim.controls.failNextOperation({ code: 'InternalServerError', message: 'try again' });
    const [result] = await sandbox.connector.apply(TEST_TARGET, [create()]);
    expect(result?.ok).toBe(true);
    const attempts = result?.calls.at(-1)?.attempts ?? [];
    expect(attempts.map((a) => a.outcome)).toEqual(['retryable', 'ok']);
    expect(attempts[0]?.code).toBe('InternalServerError');
  });
});

describe('throttling and transient errors (SDK retries off: every attempt is ours)', () => {
  it('429 Throttled with Retry-After: waits at least the Retry-After, then succeeds', async () => {
    sandbox = startAzureSandbox();
    sandbox.sim.controls.throttleNext(1, 7);
    const [result] = await sandbox.connector.apply(TEST_TARGET, [create()]);
    expect(result?.ok).toBe(true);
    const attempts = result?.calls.at(-1)?.attempts ?? [];
    expect(attempts[0]).toMatchObject({ outcome: 'retryable', code: 'Throttled', status: 429, delayMs: 7000 });
    expect(attempts[0]?.requestId).toBeDefined();
    expect(sandbox.clock.sleeps[0]).toBe(7000);
    expect(sandbox.sim.controls.throttledCalls()).toBe(1);
  });

  it('429 RetryableError without Retry-After is retried with our backoff (the SDK would not retry it)', async () => {
    sandbox = startAzureSandbox();
    sandbox.sim.controls.throttleNext(2);
    const [result] = await sandbox.connector.apply(TEST_TARGET, [create()]);
    expect(result?.ok).toBe(true);
    const attempts = result?.calls.at(-1)?.attempts ?? [];
    expect(attempts.map((a) => a.code ?? 'ok')).toEqual(['RetryableError', 'RetryableError', 'ok']);
    expect(attempts.map((a) => a.delayMs)).toEqual([200, 400, undefined]);
    expect(sandbox.sim.controls.writeCalls()).toBe(3);
  });

  it('5xx is transient and retried', async () => {
    sandbox = startAzureSandbox();
    sandbox.sim.controls.failNext(1, 503);
    const [first] = await sandbox.connector.apply(TEST_TARGET, [create()]);
    expect(first?.ok).toBe(true);
    expect(first?.calls.find((c) => c.operation === 'SecurityRules_List')?.attempts[0]).toMatchObject({ status: 503, outcome: 'retryable' });
  });

  it('gives up at maxAttempts and reports the last error as retryable-exhausted', async () => {
    sandbox = startAzureSandbox({ retry: { maxAttempts: 3 } });
    sandbox.sim.controls.throttleNext(10);
    const [result] = await sandbox.connector.apply(TEST_TARGET, [create()]);
    expect(result?.ok).toBe(false);
    expect(result?.error).toMatchObject({ kind: 'throttled', code: 'RetryableError' });
    expect(result?.calls.at(-1)?.attempts).toHaveLength(3);
  });

  it('an unknown subscription is not_found and never retried', async () => {
    sandbox = startAzureSandbox({ config: { subscriptionId: '11111111-1111-1111-1111-111111111111' } });
    await expect(sandbox.connector.list(TEST_TARGET)).rejects.toMatchObject({ info: { kind: 'not_found', code: 'SubscriptionNotFound' } });
    expect(sandbox.sim.controls.requests()).toHaveLength(1);
  });
});

describe('one NSG, one writer at a time', () => {
  it('two writers without the queue collide: 429 RetryableError (RetryableErrorDueToAnotherOperation), retried until it holds', async () => {
    sandbox = startAzureSandbox();
    sandbox.sim.controls.slowOperations(2);
    const other = sandbox.secondConnector();
    const [a, b] = await Promise.all([
      sandbox.connector.apply(TEST_TARGET, [create(TEST_BAND.from + 10)]),
      other.apply(TEST_TARGET, [create(TEST_BAND.from + 11)]),
    ]);
    expect(a?.[0]?.ok && b?.[0]?.ok).toBe(true);
    expect(sandbox.sim.controls.overlappingWrites()).toBeGreaterThan(0);
    const codes = [...(a?.[0]?.calls ?? []), ...(b?.[0]?.calls ?? [])].flatMap((c) => c.attempts.map((x) => x.code));
    expect(codes).toContain('RetryableError');
  });

  it('concurrent apply calls on one connector are serialized: no overlapping write at all', async () => {
    sandbox = startAzureSandbox();
    sandbox.sim.controls.slowOperations(2);
    const results = await Promise.all(
      [0, 1, 2, 3].map((i) => sandbox.connector.apply(TEST_TARGET, [create(TEST_BAND.from + 10 + i)])),
    );
    expect(results.every((r) => r[0]?.ok)).toBe(true);
    expect(sandbox.sim.controls.overlappingWrites()).toBe(0);
    expect(sandbox.sim.controls.writeCalls()).toBe(4);
    expect(await sandbox.connector.list(TEST_TARGET)).toHaveLength(4);
  });
});

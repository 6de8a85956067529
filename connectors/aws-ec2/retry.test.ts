import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyEc2Error } from './classify.ts';
import { blockRule, startAws, TARGET_ID } from './harness.ts';

let aws: ReturnType<typeof startAws>;
beforeEach(() => {
  aws = startAws();
});
afterEach(() => aws.stop());

describe('throttling and transient errors are retried by the shared policy', () => {
  it('retries RequestLimitExceeded (503) and waits at least the Retry-After, recording every attempt', async () => {
    aws.sim.controls.throttleNext(2, 3);
    const [result] = await aws.connector.apply(TARGET_ID, [{ op: 'create', rule: blockRule('203.0.113.7/32') }]);
    expect(result?.ok).toBe(true);
    const attempts = result?.calls.find((c) => c.operation === 'CreateNetworkAclEntry')?.attempts ?? [];
    expect(attempts.map((a) => [a.outcome, a.code, a.status])).toEqual([
      ['retryable', 'RequestLimitExceeded', 503],
      ['retryable', 'RequestLimitExceeded', 503],
      ['ok', undefined, undefined],
    ]);
    expect(attempts[0]?.delayMs).toBeGreaterThanOrEqual(3000);
    expect(aws.clock.sleeps.slice(0, 2).every((ms) => ms >= 3000)).toBe(true);
    expect(aws.sim.controls.throttledCalls()).toBe(2);
    expect(attempts.at(-1)?.requestId).toBeDefined();
  });

  it('retries 5xx (InternalError, Unavailable) with exponential backoff through the fake clock', async () => {
    aws.sim.controls.failNext(2, 503);
    const listed = await aws.connector.list(TARGET_ID);
    expect(listed.length).toBeGreaterThan(0);
    expect(aws.clock.sleeps).toHaveLength(2);
    expect(aws.clock.sleeps[1]).toBeGreaterThanOrEqual(200);
  });

  it('gives up after the configured attempts and reports the last error', async () => {
    aws.sim.controls.failNext(50, 500);
    const [result] = await aws.connector.apply(TARGET_ID, [{ op: 'create', rule: blockRule('203.0.113.7/32') }]);
    expect(result?.ok).toBe(false);
    expect(result?.error).toMatchObject({ kind: 'transient', code: 'InternalError', status: 500 });
    expect(result?.calls[0]?.attempts).toHaveLength(8);
  });

  it('does not retry a permission error', async () => {
    aws.sim.denyActions(['CreateNetworkAclEntry']);
    const [result] = await aws.connector.apply(TARGET_ID, [{ op: 'create', rule: blockRule('203.0.113.7/32') }]);
    expect(result?.error).toMatchObject({ kind: 'permission', code: 'UnauthorizedOperation', retryable: false, status: 403 });
    expect(result?.calls[1]?.attempts).toHaveLength(1);
  });

  it('copes with the real EC2 write rate limit (token bucket) by waiting on the clock until a token refills', async () => {
    aws.stop();
    aws = startAws({ sim: { writeRateLimits: true } });
    // Other writers in the account drain the CreateNetworkAclEntry bucket (50 tokens; dry runs take tokens too).
    const dryRunCreate = () =>
      aws.sim.fetch(
        new Request('https://ec2.us-east-1.amazonaws.com/', {
          method: 'POST',
          headers: { authorization: 'AWS4-HMAC-SHA256 test', 'content-type': 'application/x-www-form-urlencoded' },
          body: 'Action=CreateNetworkAclEntry&DryRun=true&NetworkAclId=acl-0a1b2c3d4e5f60001&RuleNumber=5&Egress=false&Protocol=-1&RuleAction=deny&CidrBlock=203.0.113.9/32',
        }),
      );
    const drained: number[] = [];
    for (let i = 0; i < 50; i++) drained.push((await dryRunCreate()).status);
    expect(drained.every((s) => s === 412)).toBe(true); // DryRunOperation: allowed, a token taken
    expect(aws.sim.controls.throttledCalls()).toBe(0);
    const slept = aws.clock.sleeps.length;

    const [result] = await aws.connector.apply(TARGET_ID, [{ op: 'create', rule: blockRule('203.0.113.7/32') }]);
    expect(result?.ok).toBe(true);
    const attempts = result?.calls.find((c) => c.operation === 'CreateNetworkAclEntry')?.attempts ?? [];
    expect(attempts[0]).toMatchObject({ outcome: 'retryable', code: 'RequestLimitExceeded', status: 503 });
    expect(attempts.at(-1)?.outcome).toBe('ok');
    expect(attempts.filter((a) => a.outcome === 'retryable').length).toBe(aws.sim.controls.throttledCalls());
    // 5 tokens per second: the create could only pass once the clock had moved at least 200 ms.
    const waited = aws.clock.sleeps.slice(slept).reduce((sum, ms) => sum + ms, 0);
    expect(waited).toBeGreaterThanOrEqual(200);
    expect(await aws.connector.list(TARGET_ID)).toContainEqual(expect.objectContaining({ cidrs: ['203.0.113.7/32'], owned: true }));
  });
});

describe('classification', () => {
  const sdkError = (name: string, status: number) => Object.assign(new Error('x'), { name, $metadata: { httpStatusCode: status, requestId: 'r-1' } });

  it.each([
    ['RequestLimitExceeded', 503, 'throttled', true],
    ['InternalError', 500, 'transient', true],
    ['Unavailable', 503, 'transient', true],
    ['SomethingNew', 502, 'transient', true],
    ['RulesPerSecurityGroupLimitExceeded', 400, 'quota', false],
    ['NetworkAclEntryLimitExceeded', 400, 'quota', false],
    ['InvalidParameterValue', 400, 'validation', false],
    ['MissingParameter', 400, 'validation', false],
    ['UnauthorizedOperation', 403, 'permission', false],
    ['InvalidGroup.NotFound', 400, 'not_found', false],
    ['InvalidPermission.Duplicate', 400, 'conflict', false],
  ])('%s (%i) is %s, retryable=%s', (name, status, kind, retryable) => {
    const error = classifyEc2Error(sdkError(name, status));
    expect(error.info).toMatchObject({ kind, retryable, code: name, status, requestId: 'r-1' });
  });

  it('treats a dropped connection as transient and reads Retry-After seconds', () => {
    expect(classifyEc2Error(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).info.kind).toBe('transient');
    const throttled = Object.assign(sdkError('RequestLimitExceeded', 503), { $response: { headers: { 'retry-after': '4' } } });
    expect(classifyEc2Error(throttled).retryAfterMs).toBe(4000);
  });
});

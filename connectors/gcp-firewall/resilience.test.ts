import { afterEach, describe, expect, it } from 'vitest';
import { RATE_LIMIT_FLOOR_MS } from './errors.ts';
import { denyRule } from './test-rules.ts';
import { startTestbed, TARGET, type Testbed } from './testbed.ts';

let bed: Testbed;
afterEach(() => bed.close());

const inserts = () => bed.sim.controls.requests().filter((r) => r.operation === 'firewalls.insert');
const ownedNames = () => bed.sim.controls.firewallNames().filter((n) => n.startsWith('portcullis-'));

describe('retries keep the requestId', () => {
  it('reuses one requestId on every attempt after 5xx and creates one rule', async () => {
    bed = startTestbed();
    bed.sim.controls.failNext(2, 503);
    const [result] = await bed.connector.apply(TARGET, [{ op: 'create', rule: denyRule() }]);
    expect(result?.ok).toBe(true);
    const seen = inserts();
    expect(seen.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(new Set(seen.map((r) => r.requestId)).size).toBe(1);
    expect(seen[0]?.requestId).toBe(result?.calls[0]?.requestId);
    expect(result?.calls[0]?.attempts.map((a) => a.outcome)).toEqual(['retryable', 'retryable', 'ok']);
    expect(ownedNames()).toHaveLength(1);
  });

  it('the client makes no retries of its own: every request the simulator sees is a recorded attempt', async () => {
    bed = startTestbed();
    const [created] = await bed.connector.apply(TARGET, [{ op: 'create', rule: denyRule() }]);
    bed.sim.controls.failNext(1, 500);
    const [deleted] = await bed.connector.apply(TARGET, [{ op: 'delete', rule: denyRule({ cloudId: created?.cloudId }) }]);
    expect(deleted?.ok).toBe(true);
    const deletes = bed.sim.controls.requests().filter((r) => r.operation === 'firewalls.delete');
    expect(deletes.map((r) => r.status)).toEqual([500, 200]);
    expect(deleted?.calls[0]?.attempts.map((a) => a.outcome)).toEqual(['retryable', 'ok']);
    expect(new Set(deletes.map((r) => r.requestId)).size).toBe(1);
  });

  it('the simulator answers a repeated requestId with the first operation and no second rule', async () => {
    bed = startTestbed();
    const send = () =>
      bed.sim.fetch(
        new Request(
          'https://compute.googleapis.com/compute/v1/projects/portcullis-sandbox/global/firewalls?requestId=7f1c2a3e-8d4b-4c5a-9e6f-0a1b2c3d4e5f',
          {
            method: 'POST',
            headers: { authorization: 'Bearer t' },
            body: JSON.stringify({ name: 'portcullis-dup', denied: [{ IPProtocol: 'all' }], sourceRanges: ['192.0.2.0/24'] }),
          },
        ),
      );
    const first = (await (await send()).json()) as { name: string };
    const second = await send();
    expect(second.status).toBe(200);
    expect(((await second.json()) as { name: string }).name).toBe(first.name);
    expect(bed.sim.controls.firewallNames().filter((n) => n === 'portcullis-dup')).toHaveLength(1);
  });
});

describe('operations', () => {
  it('polls a slow operation until DONE before reporting success', async () => {
    bed = startTestbed();
    bed.sim.controls.slowOperations(3);
    const [result] = await bed.connector.apply(TARGET, [{ op: 'create', rule: denyRule() }]);
    expect(result?.ok).toBe(true);
    const waits = bed.sim.controls.requests().filter((r) => r.operation === 'globalOperations.wait');
    expect(waits).toHaveLength(4);
    expect(result?.calls[1]?.attempts).toHaveLength(4);
    expect(bed.clock.sleeps).toEqual([500, 1000, 2000]);
  });

  it('gives up on an operation that is not DONE by the deadline', async () => {
    bed = startTestbed();
    bed.sim.controls.slowOperations(1000);
    const [result] = await bed.connector.apply(TARGET, [{ op: 'create', rule: denyRule() }]);
    expect(result).toMatchObject({ ok: false, error: { kind: 'pending', code: 'OPERATION_NOT_DONE', retryable: true } });
  });

  it('a DONE operation with a non-retryable error is a failure', async () => {
    bed = startTestbed();
    bed.sim.controls.failNextOperations(1, { code: 'QUOTA_EXCEEDED', message: "Quota 'FIREWALLS' exceeded.", httpStatus: 403 });
    const [result] = await bed.connector.apply(TARGET, [{ op: 'create', rule: denyRule() }]);
    expect(result).toMatchObject({ ok: false, error: { kind: 'quota', code: 'QUOTA_EXCEEDED', status: 403 } });
    expect(inserts()).toHaveLength(1);
    expect(ownedNames()).toEqual([]);
  });

  it('a DONE operation with an internal error is tried again with a fresh requestId', async () => {
    bed = startTestbed();
    bed.sim.controls.failNextOperations(1);
    const [result] = await bed.connector.apply(TARGET, [{ op: 'create', rule: denyRule() }]);
    expect(result?.ok).toBe(true);
    const ids = inserts().map((r) => r.requestId);
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
    expect(ownedNames()).toHaveLength(1);
  });

  it('a rule on a missing network is refused at once (404 notFound on the insert, as compute answers)', async () => {
    bed = startTestbed({
      config: { targets: [{ id: 'gone', network: 'no-such-net', priorityBand: { from: 100, to: 199 } }] },
    });
    const [result] = await bed.connector.apply('gone', [{ op: 'create', rule: denyRule({ priority: 100 }) }]);
    expect(result).toMatchObject({ ok: false, error: { kind: 'not_found', code: 'notFound', status: 404 } });
  });
});

describe('throttling and quota', () => {
  it('retries 403 rateLimitExceeded with the same requestId, waiting at least the floor', async () => {
    bed = startTestbed();
    bed.sim.controls.throttleNext(2);
    const [result] = await bed.connector.apply(TARGET, [{ op: 'create', rule: denyRule() }]);
    expect(result?.ok).toBe(true);
    const attempts = result?.calls[0]?.attempts ?? [];
    expect(attempts.map((a) => [a.outcome, a.code, a.status])).toEqual([
      ['retryable', 'rateLimitExceeded', 403],
      ['retryable', 'rateLimitExceeded', 403],
      ['ok', undefined, undefined],
    ]);
    expect(attempts.slice(0, 2).every((a) => (a.delayMs ?? 0) >= RATE_LIMIT_FLOOR_MS)).toBe(true);
    expect(new Set(inserts().map((r) => r.requestId)).size).toBe(1);
    expect(bed.sim.controls.throttledCalls()).toBe(2);
  });

  it('waits at least the Retry-After the simulator sends', async () => {
    bed = startTestbed();
    bed.sim.controls.throttleNext(1, 30);
    const [result] = await bed.connector.apply(TARGET, [{ op: 'create', rule: denyRule() }]);
    expect(result?.calls[0]?.attempts[0]?.delayMs).toBeGreaterThanOrEqual(30_000);
  });

  it('quotaExceeded (FIREWALLS) is a quota error and is not retried', async () => {
    bed = startTestbed({ sim: { quotas: { firewalls: 3 } } });
    const results = await bed.connector.apply(TARGET, [
      { op: 'create', rule: denyRule() },
      { op: 'create', rule: denyRule({ cidrs: ['192.0.2.0/24'] }) },
    ]);
    expect(results[0]?.ok).toBe(true);
    expect(results[1]).toMatchObject({ ok: false, error: { kind: 'quota', code: 'quotaExceeded', retryable: false, status: 403 } });
    expect(results[1]?.calls[0]?.attempts).toHaveLength(1);
  });

  it('the per-minute write quota throttles, and the retry lands in the next minute', async () => {
    bed = startTestbed({ sim: { writeRateLimits: true, quotas: { writesPerMinute: 2 } } });
    const results = await bed.connector.apply(TARGET, [
      { op: 'create', rule: denyRule({ cidrs: ['192.0.2.1/32'] }) },
      { op: 'create', rule: denyRule({ cidrs: ['192.0.2.2/32'] }) },
      { op: 'create', rule: denyRule({ cidrs: ['192.0.2.3/32'] }) },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    expect(bed.sim.controls.throttledCalls()).toBeGreaterThan(0);
    expect(ownedNames()).toHaveLength(3);
    expect(bed.clock.now() - Date.parse('2026-01-01T00:00:00Z')).toBeGreaterThanOrEqual(60_000);
  });
});

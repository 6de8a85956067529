import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type E2E, startE2E } from '../support/e2e.ts';

let e: E2E;
beforeEach(async () => {
  e = await startE2E();
});
afterEach(async () => {
  await e.close();
});

const body = { playbook: 'block-ip', inputs: { indicators: '203.0.113.77' } };

describe('an idempotent replay is never older than the first answer (replay what was sent)', () => {
  it('a call answered 200 with Prefer: wait is replayed as that 200, not as the 202 before it', async () => {
    // The fake clock's sleep returns at once; the Prefer: wait timer must not win over the passes here.
    const sleep = e.clock.sleep;
    e.clock.sleep = (ms) => (ms === 10_000 ? new Promise<void>(() => undefined) : sleep(ms));
    const headers = { 'idempotency-key': 'soar-incident-77', prefer: 'wait=10' };
    const first = await e.call('POST', '/v1/playbooks/block-ip/runs', body, { headers });
    expect(first.status).toBe(200);
    expect(first.headers.get('preference-applied')).toBe('wait=10');
    const firstBody = await first.text();
    expect(JSON.parse(firstBody)).toMatchObject({ status: 'applied' });

    // Redelivered (a SOAR retry after a lost connection): same key and body, freshly signed.
    const again = await e.call('POST', '/v1/playbooks/block-ip/runs', body, { headers });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotency-replayed')).toBe('true');
    expect(await again.text()).toBe(firstBody);
    // Without Prefer the redelivery still gets what was sent, not a new 202.
    const plain = await e.call('POST', '/v1/playbooks/block-ip/runs', body, { headers: { 'idempotency-key': 'soar-incident-77' } });
    expect(plain.status).toBe(200);
    expect(await plain.text()).toBe(firstBody);
  });

  it('a 202 answer is replayed as that 202', async () => {
    const headers = { 'idempotency-key': 'soar-incident-78' };
    const first = await e.call('POST', '/v1/playbooks/block-ip/runs', body, { headers });
    expect(first.status).toBe(202);
    const firstBody = await first.text();
    await e.reconciler.idle();
    const again = await e.call('POST', '/v1/playbooks/block-ip/runs', body, { headers });
    expect([again.status, again.headers.get('idempotency-replayed'), again.headers.get('location')]).toEqual([202, 'true', first.headers.get('location')]);
    expect(await again.text()).toBe(firstBody);
  });
});

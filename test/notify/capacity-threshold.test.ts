/**
 * Issue 17 item 4, "capacity above a threshold": capacity.exceeded is sent when a target's deny
 * capacity in use (active blocks / what its owned rules hold, the figure /metrics exports) reaches
 * the configured percentage; once per crossing (more blocks while above send nothing); re-armed when
 * use falls below the re-arm level (here: blocks expiring on the fake clock), so the next crossing is
 * sent again. The whole service in-process (src/compose.ts) on the three simulated clouds; the
 * notifier's rounds are run by the test. Nothing is delivered: the outbox rows are the assertion.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capacityUse } from '../../src/notify/capacity.ts';
import { Notifier } from '../../src/notify/index.ts';
import { type E2E, startE2E } from '../support/e2e.ts';
import { testSecret } from '../support/sign.ts';

let e: E2E;
let notifier: Notifier;
beforeEach(async () => {
  e = await startE2E({
    configSuffix: `
notifications:
  capacity: { thresholdPercent: 50, rearmPercent: 25 }
  subscriptions:
    - { id: capacity, url: "https://hooks.example.test/portcullis", events: [capacity.exceeded], secret: { env: HOOK_SECRET } }
    - { id: runs-only, url: "https://hooks.example.test/runs", events: [run.applied], secret: { env: HOOK_SECRET } }
`,
    env: { HOOK_SECRET: testSecret() },
    // A documentation address: public for the check, and never contacted (the test sends nothing).
    resolve: async () => ['203.0.113.250'],
  });
  if (!e.notifier) throw new Error('notifications: not composed');
  notifier = e.notifier;
});
afterEach(() => e.close());

const round = async () => {
  await notifier.ingest();
  return notifier.checkCapacity();
};
const capacityRows = async () => (await notifier.outbox.list(undefined, 100)).filter((r) => r.eventType === 'capacity.exceeded').reverse();
const awsUse = async () => (await capacityUse(e.services.store, e.connectors)).find((u) => u.connector === 'aws-sandbox');
// Odd last octets: no two merge, each block is one prefix.
const ips = (from: number, n: number) => Array.from({ length: n }, (_, i) => `203.0.113.${2 * (from + i) + 1}`);

describe('capacity.exceeded at a threshold', () => {
  it('is sent once per crossing and re-armed when use falls (blocks expire on the fake clock)', async () => {
    // The connector knows the NACL's room once it has listed it (foreign entries use some).
    await e.run('block-ip', { indicators: ips(0, 1), ttl: '1h', direction: 'ingress' });
    const use = await awsUse();
    if (!use) throw new Error('no aws-sandbox target');
    const half = Math.ceil(use.capacity / 2);
    expect(half).toBeGreaterThan(3);

    // Below 50 %: nothing.
    await e.run('block-ip', { indicators: ips(1, half - 2), ttl: '1h', direction: 'ingress' });
    expect(await round()).toBe(0);
    expect(await capacityRows()).toEqual([]);

    // Reaching 50 %: one notification, to the subscription that asked for capacity.exceeded only.
    await e.run('block-ip', { indicators: ips(half - 1, 1), ttl: '1h', direction: 'ingress' });
    expect(await round()).toBe(1);
    const [first, ...others] = await capacityRows();
    expect(others).toEqual([]);
    expect(first?.subscription).toBe('capacity');
    expect(JSON.parse(first?.payload ?? '{}')).toMatchObject({
      type: 'capacity.exceeded',
      timestamp: new Date(e.clock.now()).toISOString(),
      data: { connector: 'aws-sandbox', target: 'edge', used_prefixes: half, capacity_prefixes: use.capacity, threshold_percent: 50 },
    });

    // Still above (more blocks, more rounds, time passing): no second notification.
    await e.run('block-ip', { indicators: ips(half, 1), ttl: '3h', direction: 'ingress' });
    e.clock.advance(60_000);
    expect(await round()).toBe(0);
    expect(await round()).toBe(0);
    expect(await capacityRows()).toHaveLength(1);

    // The 1 h blocks expire: one block left, under the 25 % re-arm level.
    e.clock.advance(2 * 3_600_000);
    await e.reconciler.sweepExpiries();
    await e.reconciler.idle();
    expect((await awsUse())?.used).toBe(1);
    expect(await round()).toBe(0);

    // The next crossing is a new notification, with its own key.
    await e.run('block-ip', { indicators: ips(100, half - 1), ttl: '1h', direction: 'ingress' });
    expect(await round()).toBe(1);
    const rows = await capacityRows();
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.dedupeKey)).toEqual(['capacity.exceeded:aws-sandbox/edge:1', 'capacity.exceeded:aws-sandbox/edge:2']);
    expect(JSON.parse(rows[1]?.payload ?? '{}').timestamp).toBe(new Date(e.clock.now()).toISOString());
  });

  it('keeps the crossing state across a restart of the notifier (durable, not in memory)', async () => {
    await e.run('block-ip', { indicators: ips(0, 1), ttl: '1h', direction: 'ingress' });
    const use = await awsUse();
    if (!use) throw new Error('no aws-sandbox target');
    await e.run('block-ip', { indicators: ips(1, Math.ceil(use.capacity / 2)), ttl: '1h', direction: 'ingress' });
    expect(await round()).toBe(1);
    // A new notifier with the same options over the same database (as after a restart) sees the target already above.
    const again = new Notifier({ ...(notifier as unknown as { o: ConstructorParameters<typeof Notifier>[0] }).o });
    expect(await again.checkCapacity()).toBe(0);
    expect(await capacityRows()).toHaveLength(1);
  });
});

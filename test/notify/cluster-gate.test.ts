/**
 * Replicas on one database: only the cluster lease's holder delivers notifications and pushes audit
 * events to SIEMs (src/node.ts passes `when: holds the cluster lease`). A replica that does not hold it
 * runs no round; once it takes the lease over, it delivers what is pending, from the shared outbox and
 * cursors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/types.ts';
import { notificationsSchema } from '../../src/notify/config.ts';
import { Notifier, Outbox } from '../../src/notify/index.ts';
import type { PostRequest } from '../../src/notify/transport.ts';
import { siemSchema } from '../../src/siem/config.ts';
import { SiemExporter } from '../../src/siem/index.ts';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { testSecret } from '../support/sign.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('notifications and SIEM push run on the cluster lease holder only', () => {
  it('a notifier without the lease runs no round; with it, it delivers what is pending', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-gate-'));
    dirs.push(dir);
    const clock = new FakeClock(Date.now());
    const sqlite = createSqliteStore(join(dir, 'p.db'), () => clock.now());
    const sent: PostRequest[] = [];
    let holds = false;
    const notifier = new Notifier({
      store: sqlite.store,
      outbox: new Outbox(sqlite.driver),
      config: notificationsSchema.parse({ subscriptions: [] }),
      subscriptions: [{ id: 'soc', url: 'http://hooks.example.test/hook', events: ['drift.healed'], format: 'standard-webhooks', secret: testSecret() }],
      clock,
      log: silent,
      post: async (request) => {
        sent.push(request);
        return { status: 200, text: 'ok' };
      },
    });
    notifier.start({ when: () => holds });
    await notifier.stop();
    await sqlite.store.commit({ audit: [{ action: 'drift.healed', outcome: 'success', target: 'aws/edge', detail: { changes: 1 } }] });
    expect(await notifier.round()).toBe(false);
    expect(sent).toHaveLength(0);
    expect(await notifier.outbox.list('pending', 10)).toHaveLength(0);
    holds = true;
    expect(await notifier.round()).toBe(true);
    expect(sent.map((r) => JSON.parse(r.body).type)).toEqual(['drift.healed']);
    sqlite.close();
  });

  it('a SIEM exporter without the lease sends nothing; after it takes the lease, every event once, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-gate-'));
    dirs.push(dir);
    const clock = new FakeClock(Date.now());
    const sqlite = createSqliteStore(join(dir, 'p.db'), () => clock.now());
    const received: AuditEvent[] = [];
    let holds = false;
    const exporter = new SiemExporter({
      store: sqlite.store,
      driver: sqlite.driver,
      sinks: [{ id: 'hec', send: async (events) => void received.push(...events), close: async () => {} }],
      config: siemSchema.parse({ pollIntervalMs: 20, sinks: [{ id: 'hec', type: 'splunk-hec', url: 'https://hec.example.test:8088/services/collector/event', token: { env: 'HEC' } }] }),
      clock,
      log: silent,
    });
    for (let i = 0; i < 3; i++) await sqlite.store.commit({ audit: [{ action: `test.${i}`, outcome: 'success' }] });
    exporter.start({ when: () => holds });
    await sleep(150);
    expect(received).toHaveLength(0);
    holds = true;
    await expect.poll(() => received.map((e) => e.seq), { timeout: 5000 }).toEqual([1, 2, 3]);
    await exporter.stop();
    sqlite.close();
  });
});

/**
 * Issue 17 on Workers: signed notifications and the SIEM push run in the Worker build (wrangler's
 * bundle in workerd, over D1), from the Cron Trigger (`scheduled`) and after requests (ctx.waitUntil),
 * with fetch as the transport. The receivers are real loopback listeners: the webhook receiver
 * verifies with the public standardwebhooks library, the HEC stand-in checks the token. A syslog sink
 * is refused at Worker start, naming the sink (no TCP/TLS client on Workers in this version).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { D1Like } from '../../src/store/d1/index.ts';
import { type Receiver, startReceiver } from '../notify/receiver.ts';
import { type HecListener, startHec } from '../siem/listeners.ts';
import { testSecret } from '../support/sign.ts';
import { type RunningWorker, startWorker } from './harness.ts';

const BASE = 'http://portcullis.test';
const SECRET = testSecret();
const TOKEN = '6a0e4e5c-0d5e-4f55-a5f2-worker-hec';
let worker: RunningWorker;
let receiver: Receiver;
let hec: HecListener;

const config = (receiverUrl: string, hecUrl: string) => `
sandbox: true
clients:
  - id: demo
    scopes: [runs:read]
    secrets: [{ sandboxValue: whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3 }]
notifications:
  pollIntervalMs: 10
  backoffSeconds: 0.01
  verifyIntervalSeconds: 1
  subscriptions:
    - { id: soc, url: "${receiverUrl}/hook", events: [audit.verify_failed], secret: { sandboxValue: "${SECRET}" } }
siem:
  pollIntervalMs: 10
  sinks:
    - { id: hec, type: splunk-hec, url: "${hecUrl}", token: { sandboxValue: "${TOKEN}" } }
`;

const SYSLOG_ON_WORKERS = `
sandbox: true
clients:
  - id: demo
    scopes: [runs:read]
    secrets: [{ sandboxValue: whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3 }]
siem:
  sinks:
    - { id: collector, type: syslog, host: 127.0.0.1, port: 6514 }
`;

/** Outside the sandbox the Worker runs the same start-up check as Node: https only, public addresses only. */
const PLAIN_HTTP_OUTSIDE_SANDBOX = `
clients:
  - id: demo
    scopes: [runs:read]
    secrets: [{ env: DEMO_SECRET }]
notifications:
  subscriptions:
    - { id: soc, url: "http://hooks.example.com/portcullis", events: [run.applied], secret: { env: HOOK_SECRET } }
`;

beforeAll(async () => {
  receiver = await startReceiver(SECRET);
  hec = await startHec(TOKEN);
  worker = await startWorker(() => [
    { name: 'outbound', bindings: { PORTCULLIS_CONFIG: config(receiver.url, hec.url) } },
    { name: 'syslog', bindings: { PORTCULLIS_CONFIG: SYSLOG_ON_WORKERS } },
    { name: 'plain-http', bindings: { PORTCULLIS_CONFIG: PLAIN_HTTP_OUTSIDE_SANDBOX, DEMO_SECRET: testSecret(), HOOK_SECRET: testSecret() } },
  ]);
}, 240_000);
afterAll(async () => {
  await worker?.dispose();
  await receiver?.close();
  await hec?.close();
});

const d1 = async (): Promise<D1Like> => (await worker.mf.getD1Database('DB', 'outbound')) as unknown as D1Like;
const auditSeqs = async () => (await (await d1()).prepare('SELECT seq FROM audit_events ORDER BY seq').all<{ seq: number }>()).results.map((r) => r.seq);
const outbound = () => worker.mf.getWorker('outbound');
const cron = async () => {
  const result = await (await outbound()).scheduled({ cron: '* * * * *' });
  expect(result.outcome).toBe('ok');
};

describe('worker: SIEM push and notifications', () => {
  it('pushes the audit stream to HEC from the Cron Trigger, in order, with no gap and no repeat', async () => {
    // An unsigned call: refused (401) and audited, like on Node.
    const refused = await (await outbound()).fetch(`${BASE}/v1/whoami`);
    expect(refused.status).toBe(401);
    await cron();
    const seqs = await auditSeqs();
    expect(seqs.length).toBeGreaterThan(0);
    await expect.poll(() => hec.events.map((e) => e.event.seq), { timeout: 10_000 }).toEqual(seqs);
    expect(hec.events.every((e) => e.sourcetype === 'portcullis:audit')).toBe(true);
    expect(hec.events.map((e) => e.event.action)).toContain('request.refused');
  });

  it('runs a round after a request too (ctx.waitUntil), without waiting for the Cron Trigger', async () => {
    const before = hec.events.length;
    await new Promise((r) => setTimeout(r, 20)); // past pollIntervalMs since the last round
    expect((await (await outbound()).fetch(`${BASE}/v1/whoami`)).status).toBe(401);
    await expect.poll(async () => hec.events.map((e) => e.event.seq), { timeout: 10_000 }).toEqual(await auditSeqs());
    expect(hec.events.length).toBeGreaterThan(before);
  });

  it('verifies the audit chain and sends a signed audit.verify_failed when D1 was tampered with', async () => {
    const db = await d1();
    const { results } = await db.prepare('SELECT seq, event FROM audit_events ORDER BY seq LIMIT 1').all<{ seq: number; event: string }>();
    const first = results[0];
    if (!first) throw new Error('no audit event');
    await db.batch([db.prepare('UPDATE audit_events SET event = ? WHERE seq = ?').bind(first.event.replace('"outcome":"refused"', '"outcome":"success"'), first.seq)]);
    await new Promise((r) => setTimeout(r, 1100)); // verifyIntervalSeconds: 1
    await cron();
    const delivery = await expect
      .poll(() => receiver.deliveries.find((d) => d.body.type === 'audit.verify_failed'), { timeout: 10_000 })
      .toBeDefined()
      .then(() => receiver.deliveries.find((d) => d.body.type === 'audit.verify_failed'));
    expect(delivery).toMatchObject({ verified: true, body: { type: 'audit.verify_failed', data: { seq: first.seq } } });
    expect(delivery?.id).toMatch(/^msg_/);
    // The failure is in the audit log, and so on its way to the SIEM as well.
    await cron();
    await expect.poll(() => hec.events.some((e) => e.event.action === 'audit.verify_failed'), { timeout: 10_000 }).toBe(true);
  });

  it('refuses a syslog sink at start with a clear error (503 to callers, the sink named in the logs)', async () => {
    const res = await (await worker.mf.getWorker('syslog')).fetch(`${BASE}/healthz`);
    expect(res.status).toBe(503);
    await expect.poll(() => worker.output(), { timeout: 5000 }).toMatch(/siem\.sinks\[0\] \(collector\): syslog sinks are not available on Workers in this version/);
  });

  it('refuses a plain-http subscription outside the sandbox at start (no SSRF), like Node', async () => {
    const res = await (await worker.mf.getWorker('plain-http')).fetch(`${BASE}/healthz`);
    expect(res.status).toBe(503);
    await expect.poll(() => worker.output(), { timeout: 5000 }).toMatch(/notifications\.subscriptions\[0\] \(soc\): http:\/\/ is refused; expected https:\/\//);
  });
});

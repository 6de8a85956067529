/**
 * Issue 17 "bad input" (no SSRF), beyond the start-up check: the address is checked again at EVERY
 * connect of a notification or SIEM delivery, with a resolver whose answer changes after start (DNS
 * rebinding), and the socket goes to the address that was checked. The host names below exist only in
 * the test resolver (the system resolver cannot resolve them), so a delivery that arrives proves the
 * connection used the checked address, not a second resolution. Loopback 127.0.0.1 is allowed through
 * `allowNetworks` (the explicit opt-in an internal receiver needs); every other internal answer is refused
 * before any byte is sent.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedPost } from '../../src/net/guarded-http.ts';
import { notificationsSchema } from '../../src/notify/config.ts';
import { Notifier, Outbox } from '../../src/notify/index.ts';
import type { OutboundPolicy } from '../../src/notify/ssrf.ts';
import { syslogSink } from '../../src/siem/syslog.ts';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { testSecret } from '../support/sign.ts';
import { startSyslog } from '../siem/listeners.ts';
import { type Receiver, startReceiver } from './receiver.ts';

/** A resolver whose answer the test changes, counting how often it is asked. */
function rebindingResolver(initial: string[]) {
  const r = {
    answer: initial,
    asked: 0,
    resolve: async (host: string) => {
      r.asked++;
      if (!host.endsWith('.rebind.test')) throw new Error(`ENOTFOUND ${host}`);
      return r.answer;
    },
  };
  return r;
}

const SECRET = testSecret();
let receiver: Receiver;
let port: number;
beforeAll(async () => {
  receiver = await startReceiver(SECRET);
  port = Number(new URL(receiver.url).port);
});
afterAll(() => receiver.close());

const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('guarded transport: the address is checked at every connect', () => {
  it('re-resolves for every delivery, connects to the checked address, and refuses a rebinding answer before sending', async () => {
    const dns = rebindingResolver(['127.0.0.1']);
    const policy: OutboundPolicy = { sandbox: false, resolve: dns.resolve, allowNetworks: ['127.0.0.1/32'] };
    const post = guardedPost(policy);
    const send = () => post({ url: `http://hooks.rebind.test:${port}/hook`, headers: { 'content-type': 'application/json' }, body: '{"n":1}', timeoutMs: 2000, where: 'notifications.subscriptions[0] (soc)' });
    const before = receiver.deliveries.length;

    await expect(send()).resolves.toMatchObject({ status: 200 });
    expect(receiver.deliveries.length).toBe(before + 1);
    expect(dns.asked).toBe(1);

    // The name now points at other internal space: refused at connect, nothing sent.
    for (const [answer, range] of [
      [['127.0.0.2'], /127\.0\.0\.2, in IPv4 loopback/],
      [['169.254.169.254'], /169\.254\.169\.254, in IPv4 link-local \(includes cloud metadata/],
      [['10.1.2.3'], /10\.1\.2\.3, in private network 10\/8/],
      [['127.0.0.1', '192.168.1.1'], /192\.168\.1\.1, in private network 192\.168\/16/],
      [['::ffff:10.0.0.1'], /::ffff:10\.0\.0\.1/],
    ] as const) {
      dns.answer = [...answer];
      const error = await send().catch((e: unknown) => e);
      expect(String(error)).toMatch(/notifications\.subscriptions\[0\] \(soc\): hooks\.rebind\.test resolves to /);
      expect(String(error)).toMatch(range);
      expect(String(error)).toMatch(/no SSRF/);
    }
    expect(receiver.deliveries.length).toBe(before + 1);
    expect(dns.asked).toBe(6);

    // Back to the allowed address: delivered again (a fresh connection, so a fresh check).
    dns.answer = ['127.0.0.1'];
    await expect(send()).resolves.toMatchObject({ status: 200 });
    expect(receiver.deliveries.length).toBe(before + 2);
    expect(dns.asked).toBe(7);
  });

  it('checks IP literals without a resolver, and allows only what allowNetworks lists', async () => {
    const dns = rebindingResolver([]);
    const post = guardedPost({ sandbox: false, resolve: dns.resolve, allowNetworks: ['127.0.0.1/32'] });
    const to = (host: string) => post({ url: `http://${host}:${port}/hook`, headers: {}, body: '{}', timeoutMs: 2000, where: 'siem.sinks[0] (hec)' });
    await expect(to('127.0.0.1')).resolves.toMatchObject({ status: 200 });
    await expect(to('127.0.0.2')).rejects.toThrow(/siem\.sinks\[0\] \(hec\): 127\.0\.0\.2 resolves to 127\.0\.0\.2, in IPv4 loopback/);
    await expect(to('[::1]')).rejects.toThrow(/::1, in IPv6 loopback/);
    expect(dns.asked).toBe(0);
    const strict = guardedPost({ sandbox: false, resolve: dns.resolve });
    await expect(strict({ url: `http://127.0.0.1:${port}/x`, headers: {}, body: '{}', timeoutMs: 2000, where: 'w' })).rejects.toThrow(/unless allowNetworks lists the range/);
  });
});

describe('guarded transport over TLS', () => {
  it('connects to the checked address and still verifies the certificate against the host name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-rebind-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=hooks.rebind.test', '-addext', 'subjectAltName=DNS:hooks.rebind.test'], { stdio: 'ignore' });
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const tlsPort = (server.address() as AddressInfo).port;
    const dns = rebindingResolver(['127.0.0.1']);
    const post = guardedPost({ sandbox: false, resolve: dns.resolve, allowNetworks: ['127.0.0.1/32'] }, { ca: cert });
    const send = (host: string) => post({ url: `https://${host}:${tlsPort}/hook`, headers: {}, body: '{}', timeoutMs: 2000, where: 'w' });
    await expect(send('hooks.rebind.test')).resolves.toEqual({ status: 200, text: 'ok' });
    // Same checked address, another name: the certificate does not match it, so TLS refuses.
    await expect(send('other.rebind.test')).rejects.toThrow(/altnames|Hostname\/IP does not match/i);
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('notifier: a subscription that rebinds after start', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-rebind-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records the refusal as a failed attempt (retried, never sent), and delivers once the name points back', async () => {
    // Starts now: the receiver verifies the signature's timestamp against its own (real) clock.
    const clock = new FakeClock(Date.now());
    const sqlite = createSqliteStore(join(dir, 'p.db'), () => clock.now());
    const dns = rebindingResolver(['127.0.0.1']);
    const policy: OutboundPolicy = { sandbox: false, resolve: dns.resolve, allowNetworks: ['127.0.0.1/32'] };
    const config = notificationsSchema.parse({ backoffSeconds: 1, maxAttempts: 5, subscriptions: [] });
    const notifier = new Notifier({
      store: sqlite.store,
      outbox: new Outbox(sqlite.driver),
      config,
      subscriptions: [{ id: 'soc', url: `http://hooks.rebind.test:${port}/hook`, events: ['drift.healed'], format: 'standard-webhooks', secret: SECRET }],
      clock,
      log: silent,
      post: guardedPost(policy),
      random: () => 0.5,
    });
    const drift = (target: string) => sqlite.store.commit({ audit: [{ action: 'drift.healed', outcome: 'success', target, detail: { changes: 1 } }] });
    const mine = () => receiver.deliveries.filter((d) => (d.body.data as { target?: string } | undefined)?.target?.startsWith('aws/rebind'));

    await drift('aws/rebind-1');
    await notifier.tick();
    expect(mine().map((d) => [d.verified, (d.body.data as { target: string }).target])).toEqual([[true, 'aws/rebind-1']]);

    dns.answer = ['169.254.169.254'];
    await drift('aws/rebind-2');
    await notifier.tick();
    expect(mine()).toHaveLength(1);
    const [pending] = await notifier.outbox.list('pending', 10);
    expect(pending).toMatchObject({ attempts: 1, lastStatus: null });
    expect(pending?.lastError).toMatch(/delivery failed: notifications\.subscriptions\[0\] \(soc\): hooks\.rebind\.test resolves to 169\.254\.169\.254, in IPv4 link-local/);
    // Audited: a name turning internal after start is a security event, not only a failed delivery.
    const refused = (await sqlite.store.auditAfter(0, 100)).filter((a) => a.action === 'notification.destination_refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ outcome: 'refused', detail: { id: pending?.id, subscription: 'soc', attempt: 1 } });
    expect(String(refused[0]?.detail?.error)).toMatch(/169\.254\.169\.254/);

    dns.answer = ['127.0.0.1'];
    clock.advance(1000);
    await notifier.tick();
    expect(mine().map((d) => (d.body.data as { target: string }).target)).toEqual(['aws/rebind-1', 'aws/rebind-2']);
    expect((await notifier.outbox.get(pending?.id ?? ''))?.state).toBe('delivered');
    sqlite.close();
  });
});

describe('syslog: every reconnect is checked', () => {
  it('connects to the checked address, and refuses to reconnect once the name rebinds', async () => {
    const collector = await startSyslog();
    const dns = rebindingResolver(['127.0.0.1']);
    const policy: OutboundPolicy = { sandbox: false, resolve: dns.resolve, allowNetworks: ['127.0.0.1/32'] };
    const sink = syslogSink(
      { id: 'siem', type: 'syslog', host: 'collector.rebind.test', port: collector.port, tls: false, format: 'json', facility: 13, appName: 'portcullis' },
      { timeoutMs: 2000, version: 'test', where: 'siem.sinks[0] (siem)', policy },
    );
    const event = (seq: number) => ({ seq, id: `evt_${seq}`, time: '2026-03-01T12:00:00.000Z', action: 'run.accepted', outcome: 'success' as const, prev_hash: '', hash: '' });
    await sink.send([event(1)] as never);
    await expect.poll(() => collector.messages.length).toBe(1);
    await sink.close();

    dns.answer = ['10.9.8.7'];
    await expect(sink.send([event(2)] as never)).rejects.toThrow(/siem\.sinks\[0\] \(siem\): collector\.rebind\.test resolves to 10\.9\.8\.7, in private network 10\/8/);
    expect(collector.messages.length).toBe(1);
    await collector.close();
  });
});

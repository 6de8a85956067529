/**
 * The runtime-free transport the Worker uses (src/notify/transport.ts): fetch, with the address
 * checked before every request through a DNS-over-HTTPS resolver (Cloudflare's JSON format, served
 * here by a loopback stand-in), redirects never followed, and a timeout. Real sockets on loopback.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryTimeout, dohResolver, fetchPost } from '../../src/notify/transport.ts';
import { testSecret } from '../support/sign.ts';
import { type Receiver, startReceiver } from './receiver.ts';

/** Answers as cloudflare-dns.com/dns-query does in JSON (Status, Question, Answer with type and data). */
const records: Record<string, { A?: string[]; AAAA?: string[] }> = {};
let doh: { url: string; asked: string[]; close(): void };
let receiver: Receiver;
beforeAll(async () => {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const name = q.get('name') ?? '';
    const type = (q.get('type') ?? 'A') as 'A' | 'AAAA';
    asked.push(`${name} ${type}`);
    if (req.headers.accept !== 'application/dns-json') {
      res.writeHead(415).end();
      return;
    }
    const known = records[name];
    const answer = (known?.[type] ?? []).map((data) => ({ name: `${name}.`, type: type === 'A' ? 1 : 28, TTL: 60, data }));
    res.writeHead(200, { 'content-type': 'application/dns-json' });
    res.end(JSON.stringify({ Status: known ? 0 : 3, TC: false, RD: true, RA: true, AD: false, CD: false, Question: [{ name: `${name}.`, type: type === 'A' ? 1 : 28 }], ...(answer.length ? { Answer: answer } : {}) }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  doh = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dns-query`, asked, close: () => server.close() };
  receiver = await startReceiver(testSecret());
});
afterAll(async () => {
  doh.close();
  await receiver.close();
});

describe('fetch transport (Workers)', () => {
  it('resolves A and AAAA over DNS-over-HTTPS, and fails on NXDOMAIN', async () => {
    records['hooks.example.test'] = { A: ['203.0.113.9'], AAAA: ['2001:db8::9'] };
    const resolve = dohResolver(doh.url);
    await expect(resolve('hooks.example.test')).resolves.toEqual(['203.0.113.9', '2001:db8::9']);
    await expect(resolve('nowhere.example.test')).rejects.toThrow(/DNS status 3/);
  });

  it('checks the name before every request and sends nothing when it resolves inside', async () => {
    records['rebind.example.test'] = { A: ['203.0.113.10'] };
    const sent: string[] = [];
    const post = fetchPost({ sandbox: false, resolve: dohResolver(doh.url) }, async (input) => {
      sent.push(String(input));
      return new Response('ok');
    });
    const request = { url: 'https://rebind.example.test/hook', headers: {}, body: '{}', timeoutMs: 1000, where: 'notifications.subscriptions[0] (soc)' };
    await expect(post(request)).resolves.toEqual({ status: 200, text: 'ok' });
    records['rebind.example.test'] = { A: ['169.254.169.254'] };
    await expect(post(request)).rejects.toThrow(/notifications\.subscriptions\[0\] \(soc\): rebind\.example\.test resolves to 169\.254\.169\.254, in IPv4 link-local/);
    expect(sent).toEqual(['https://rebind.example.test/hook']);
    expect(doh.asked.filter((q) => q.startsWith('rebind.example.test'))).toHaveLength(4);
  });

  it('delivers to an allowed address with real fetch, never follows a redirect, and times out', async () => {
    const post = fetchPost({ sandbox: false, resolve: dohResolver(doh.url), allowNetworks: ['127.0.0.1/32'] });
    const to = { url: `${receiver.url}/hook`, headers: { 'content-type': 'application/json' }, body: '{"ok":true}', timeoutMs: 300, where: 'w' };
    await expect(post(to)).resolves.toMatchObject({ status: 200 });
    // A receiver that redirects (here: to the real receiver) gets its 307 back as a failed delivery.
    const bouncer = createServer((_req, res) => res.writeHead(307, { location: `${receiver.url}/hook` }).end());
    await new Promise<void>((r) => bouncer.listen(0, '127.0.0.1', r));
    await expect(post({ ...to, url: `http://127.0.0.1:${(bouncer.address() as AddressInfo).port}/hook` })).resolves.toMatchObject({ status: 307 });
    bouncer.close();
    receiver.mode = 'hang';
    await expect(post(to)).rejects.toBeInstanceOf(DeliveryTimeout);
    receiver.mode = 200;
    // The first POST and the one that hung: the redirect was not followed.
    expect(receiver.deliveries.map((d) => d.body)).toEqual([{ ok: true }, { ok: true }]);
  });
});

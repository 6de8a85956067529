/**
 * What the SSRF check at every connect costs a delivery: N sequential POSTs to a loopback receiver
 * through (a) the guarded Node transport (a fresh connection per POST, the name resolved and checked
 * in `lookup`, connected to the checked address) and (b) plain fetch with keep-alive and no check.
 * Run: node bin/run-ts.mjs bench/notify-transport.ts [--posts 2000]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { guardedPost } from '../src/net/guarded-http.ts';

const { values } = parseArgs({ options: { posts: { type: 'string', default: '2000' } } });
const posts = Number(values.posts);
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;
const body = JSON.stringify({ type: 'run.applied', timestamp: new Date().toISOString(), data: { run_id: 'run_x', playbook: 'block-ip' } });

async function time(label: string, send: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 50; i++) await send();
  const start = process.hrtime.bigint();
  for (let i = 0; i < posts; i++) await send();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`${label}: ${posts} POSTs in ${ms.toFixed(0)} ms, ${((posts / ms) * 1000).toFixed(0)} deliveries/s, ${(ms / posts).toFixed(3)} ms each`);
}

const guarded = guardedPost({ sandbox: false, resolve: async () => ['127.0.0.1'], allowNetworks: ['127.0.0.1/32'] });
await time('guarded (checked at connect, new connection)', () =>
  guarded({ url: `http://hooks.bench.test:${port}/hook`, headers: { 'content-type': 'application/json' }, body, timeoutMs: 5000, where: 'bench' }),
);
await time('plain fetch (keep-alive, no check)', async () => {
  const res = await fetch(`http://127.0.0.1:${port}/hook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await res.text();
});
server.close();

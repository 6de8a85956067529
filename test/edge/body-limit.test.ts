/**
 * Bodies over limits.bodyBytes (256 KiB by default) get 413 before they are buffered whole: refused
 * from content-length without reading, or after at most the limit (plus one chunk) when chunked.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { THINGS_PATH, type TestApp, createTestApp, thingJson } from '../support/app.ts';
import { signedFor } from './calls.ts';
import { expectRefusal, readProblem } from './expect-problem.ts';

const LIMIT = 256 * 1024;
const CHUNK = 16 * 1024;
const tooLarge = {
  status: 413,
  code: 'payload_too_large',
  detail: /the body exceeds 262144 bytes \(limits\.bodyBytes\); send fewer indicators per call/,
};

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.dispose());

/** A body stream of `total` bytes in 16 KiB chunks that counts how much the server pulled. */
function countingStream(total: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(CHUNK, total - sent);
      sent += n;
      controller.enqueue(new Uint8Array(n).fill(0x20));
    },
  }, { highWaterMark: 0 }); // pull only when the server reads, so `pulled` measures the server
  return { stream, pulled: () => sent };
}

describe('error: oversized bodies (413 payload_too_large)', () => {
  it('refuses a 300 KiB body declared by content-length without reading any of it', async () => {
    const { stream, pulled } = countingStream(300 * 1024);
    const init = signedFor(t);
    const res = await t.app.request(THINGS_PATH, {
      method: 'POST',
      headers: { ...init.headers, 'content-length': String(300 * 1024) },
      body: stream,
      duplex: 'half',
    });
    const body = await expectRefusal(t, res, tooLarge);
    expect(body.limit_bytes).toBe(LIMIT);
    expect(pulled()).toBe(0);
    expect(t.things.executions).toBe(0);
    expect(await t.stateRows()).toEqual({ replay: 0, idempotency: 0 });
  });

  it('refuses a chunked body (no content-length) after reading at most the limit plus one chunk', async () => {
    const { stream, pulled } = countingStream(4 * 1024 * 1024);
    const init = signedFor(t);
    const res = await t.app.request(THINGS_PATH, { method: 'POST', headers: init.headers, body: stream, duplex: 'half' });
    await expectRefusal(t, res, tooLarge);
    expect(pulled()).toBeLessThanOrEqual(LIMIT + 2 * CHUNK);
    expect(t.things.executions).toBe(0);
    expect(await t.stateRows()).toEqual({ replay: 0, idempotency: 0 });
  });

  it('refuses a 300 KiB signed body sent as a plain string (signature does not get a chance)', async () => {
    const body = thingJson('big', { padding: 'x'.repeat(300 * 1024) });
    await expectRefusal(t, await t.app.request(THINGS_PATH, signedFor(t, { body })), tooLarge);
  });

  it('accepts a signed body of exactly the limit', async () => {
    const skeleton = thingJson('edge', { padding: '' });
    const body = thingJson('edge', { padding: 'x'.repeat(LIMIT - Buffer.byteLength(skeleton)) });
    expect(Buffer.byteLength(body)).toBe(LIMIT);
    const res = await t.app.request(THINGS_PATH, signedFor(t, { body }));
    expect(res.status).toBe(201);
  });
});

describe('error: over a real socket (@hono/node-server, chunked transfer)', () => {
  it('answers 413 problem+json to a 300 KiB chunked upload without content-length', async () => {
    const server = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const { port } = server.address() as AddressInfo;
    try {
      const init = signedFor(t);
      const res = await new Promise<Response>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: THINGS_PATH, method: 'POST', headers: init.headers }, (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (c: Buffer) => chunks.push(c));
          incoming.on('end', () => {
            const headers = new Headers();
            for (const [k, v] of Object.entries(incoming.headers)) if (typeof v === 'string') headers.set(k, v);
            resolve(new Response(Buffer.concat(chunks), { status: incoming.statusCode ?? 0, headers }));
          });
        });
        req.on('error', reject);
        expect(req.getHeader('content-length')).toBeUndefined();
        const piece = Buffer.alloc(CHUNK, 0x20);
        for (let sent = 0; sent < 300 * 1024; sent += CHUNK) req.write(piece);
        req.end();
      });
      await readProblem(res, tooLarge);
      expect(t.things.executions).toBe(0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

/**
 * `portcullis serve` with experiments switched on, to measure what a proposed change to src/ would buy
 * before anyone makes it (the benchmark may not edit src/). Used by `npm run bench -- --what-if`.
 *
 *   node bin/run-ts.mjs bench/edge/what-if-server.ts --config <file> [--node-crypto] [--no-idle-passes]
 *
 * --node-crypto     Web Crypto's SHA-256 digest and HMAC sign answered synchronously by node:crypto
 *                   (same bytes), i.e. no libuv thread-pool round trip per hash, HMAC and audit link.
 * --no-idle-passes  reconciler.schedule does nothing. In this benchmark every unblock-ip run retracts
 *                   nothing, so this equals "do not schedule a pass for a target the run did not change".
 */
import { createHash, createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startNodeServer } from '../../src/node.ts';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    'node-crypto': { type: 'boolean', default: false },
    'no-idle-passes': { type: 'boolean', default: false },
  },
});
if (!values.config) throw new Error('what-if-server needs --config');

type Subtle = typeof crypto.subtle;
type Key = Awaited<ReturnType<Subtle['importKey']>>;

const bytesOf = (data: unknown): Buffer => {
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  throw new Error('what-if: unexpected BufferSource');
};
const arrayBufferOf = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
const nameOf = (algorithm: unknown): string =>
  typeof algorithm === 'string' ? algorithm : String((algorithm as { name?: string }).name ?? '');

if (values['node-crypto']) {
  const subtle = crypto.subtle;
  const rawKeys = new WeakMap<Key, Buffer>();
  const { digest, importKey, sign } = { digest: subtle.digest.bind(subtle), importKey: subtle.importKey.bind(subtle), sign: subtle.sign.bind(subtle) };
  const patched = subtle as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  patched.digest = async (algorithm, data) =>
    nameOf(algorithm) === 'SHA-256' ? arrayBufferOf(createHash('sha256').update(bytesOf(data)).digest()) : digest(algorithm as never, data as never);
  patched.importKey = async (...args) => {
    const key = await (importKey as (...a: unknown[]) => Promise<Key>)(...args);
    if (args[0] === 'raw' && nameOf(args[2]) === 'HMAC') rawKeys.set(key, Buffer.from(bytesOf(args[1])));
    return key;
  };
  patched.sign = async (algorithm, key, data) => {
    const raw = rawKeys.get(key as Key);
    return raw && nameOf(algorithm) === 'HMAC'
      ? arrayBufferOf(createHmac('sha256', raw).update(bytesOf(data)).digest())
      : sign(algorithm as never, key as never, data as never);
  };
}

const server = await startNodeServer({ configPath: values.config });
if (values['no-idle-passes'] && server.services.runtime) {
  server.services.runtime.reconciler.schedule = () => Promise.resolve();
}
const stop = () => {
  server.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

/**
 * The caller's address, as the runtime saw the connection (never a header the caller can set unless
 * the runtime's own edge sets it): the entry point picks one of these for Services.sourceAddress.
 */
import type { Context } from 'hono';

/** @hono/node-server passes the Node request as `c.env.incoming`; its socket knows the peer. */
export function nodeSourceAddress(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress;
}

/** Cloudflare sets CF-Connecting-IP on every request it delivers to a Worker (a caller cannot forge it). */
export function workerSourceAddress(c: Context): string | undefined {
  return c.req.header('cf-connecting-ip');
}

/**
 * The baseline for the signed-call benchmark: a bare Hono hello world on @hono/node-server, run as its
 * own process like the service. It answers every method and path, so it receives exactly the signed
 * requests the service receives (it neither reads nor checks them).
 *
 *   node bin/run-ts.mjs bench/hello-server.ts --port 18080
 */
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`--port must be 1..65535, not ${values.port}`);

const app = new Hono();
app.all('*', (c) => c.text('Hello Hono!'));

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, (info) => {
  console.log(`hello-server listening on http://127.0.0.1:${info.port}`);
});
// A clean exit on SIGTERM, so `node --cpu-prof` can write its profile.
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

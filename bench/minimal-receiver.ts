/**
 * The second baseline of the signed-call benchmark (issue 11): the least a durable, signed webhook
 * receiver must do, in about a page. Hono on @hono/node-server; the Standard Webhooks HMAC-SHA256
 * signature checked in constant time with a 5-minute timestamp tolerance; the webhook-id claimed
 * (a primary key: a replay is refused); the call and one hash-chained audit row committed in ONE SQLite
 * transaction (node:sqlite, WAL, synchronous=NORMAL) before the 202. No idempotency records, no
 * playbooks, no policy, no group commit, no logging: what portcullis adds on top is what its ratio to
 * this baseline measures.
 *
 *   node bin/run-ts.mjs bench/minimal-receiver.ts --port 18081 --db /tmp/receiver.db
 * The signing secret comes from the PORTCULLIS_BENCH_SECRET environment variable (`whsec_...`).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8081' }, db: { type: 'string' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`--port must be 1..65535, not ${values.port}`);
if (!values.db) throw new Error('--db <file> is required');
const secret = process.env.PORTCULLIS_BENCH_SECRET ?? '';
if (!secret.startsWith('whsec_')) throw new Error('PORTCULLIS_BENCH_SECRET must be a whsec_ secret');
const key = Buffer.from(secret.slice('whsec_'.length), 'base64');

const db = new DatabaseSync(values.db);
db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
  CREATE TABLE IF NOT EXISTS seen (webhook_id TEXT PRIMARY KEY, at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS calls (id INTEGER PRIMARY KEY, path TEXT NOT NULL, body TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY, event TEXT NOT NULL, hash TEXT NOT NULL);`);
const claim = db.prepare('INSERT INTO seen (webhook_id, at) VALUES (?, ?)');
const record = db.prepare('INSERT INTO calls (path, body) VALUES (?, ?)');
const audit = db.prepare('INSERT INTO audit (seq, event, hash) VALUES (?, ?, ?)');
const last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
let head = { seq: last?.seq ?? 0, hash: last?.hash ?? '0'.repeat(64) };

const app = new Hono();
app.get('/', (c) => c.text('ok'));
app.post('*', async (c) => {
  const id = c.req.header('webhook-id') ?? '';
  const timestamp = Number(c.req.header('webhook-timestamp'));
  const body = await c.req.text();
  if (!id || !Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) return c.json({ error: 'stale' }, 401);
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  const sent = (c.req.header('webhook-signature') ?? '').split(' ').map((s) => Buffer.from(s.replace(/^v1,/, ''), 'base64'));
  if (!sent.some((s) => s.length === expected.length && timingSafeEqual(s, expected))) return c.json({ error: 'signature' }, 401);
  const event = JSON.stringify({ seq: head.seq + 1, action: 'call.accepted', webhook_id: id, path: c.req.path, at: new Date().toISOString() });
  const hash = createHash('sha256').update(head.hash).update(event).digest('hex');
  db.exec('BEGIN');
  try {
    claim.run(id, Date.now());
    record.run(c.req.path, body);
    audit.run(head.seq + 1, event, hash);
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    if ((error as { errcode?: number }).errcode === 1555) return c.json({ error: 'replay' }, 409);
    throw error;
  }
  head = { seq: head.seq + 1, hash };
  return c.json({ accepted: id }, 202);
});

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, (info) => {
  console.log(`minimal-receiver listening on http://127.0.0.1:${info.port}`);
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

/**
 * Audit export benchmark (issue 5): export N events as NDJSON through the API of a real server process
 * on loopback, against a raw scan of the same SQLite table in the same run, and the server's peak RSS.
 *
 *   node bin/run-ts.mjs bench/audit-export.ts [--events 1000000] [--steps 2]
 *
 * For each step (N/steps, 2N/steps, ... N events) the data directory is filled to that size by direct
 * SQLite inserts that form a valid chain, a fresh `portcullis serve` is spawned, the whole log is
 * exported once through GET /v1/audit/events?format=ndjson, the table is scanned raw, and the server's
 * VmHWM (peak resident set) is read from /proc. Flat memory means VmHWM does not grow with N.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { canonicalJson } from '../src/audit/canonical.ts';
import { GENESIS_HASH } from '../src/audit/types.ts';
import { openSqlite } from '../src/store/sqlite/index.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, steps: { type: 'string', default: '2' } } });
const TOTAL = Number(values.events);
const STEPS = Math.max(1, Number(values.steps));
const TOKEN = `bench-token-${randomUUID()}`;
const root = resolve(import.meta.dirname, '..');

const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-audit-'));
const dataDir = join(dir, 'data');
mkdirSync(dataDir);
mkdirSync(join(dir, 'playbooks'));
const dbPath = join(dataDir, 'portcullis.db');

const freePort = () =>
  new Promise<number>((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });

/** Appends events up to `target` with a valid chain (same hashing as src/audit/chain.ts, via node:crypto). */
function fillTo(target: number): number {
  const { db } = openSqlite(dbPath);
  const head = db.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
  let seq = head?.seq ?? 0;
  let prev = head?.hash ?? GENESIS_HASH;
  const insert = db.prepare(
    `INSERT INTO audit_events (seq, id, time, action, outcome, client_id, run_id, playbook, target, prev_hash, hash, event)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const batch = (n: number) => {
    db.exec('BEGIN');
    for (let k = 0; k < n; k++) {
      seq += 1;
      const i = seq;
      const body = {
        action: i % 3 ? 'cloud.operation' : 'run.accepted',
        outcome: i % 17 ? 'success' : 'failure',
        client_id: `soar-${i % 7}`,
        run_id: `run_${Math.floor(i / 4)}`,
        playbook: 'block-ip',
        target: `aws-prod/sg-${i % 5}`,
        request_id: `req_${randomUUID()}`,
        detail: { op: 'create', rule: { action: 'deny', direction: 'ingress', protocol: 'all', cidrs: [`203.0.${(i >> 8) & 255}.${i & 255}/32`] }, calls: [{ operation: 'AuthorizeSecurityGroupIngress', requestId: randomUUID(), attempts: [{ status: 200 }] }] },
        seq: i,
        id: randomUUID(),
        time: new Date(Date.parse('2026-01-01T00:00:00Z') + i * 1000).toISOString(),
      };
      const event = canonicalJson(body);
      const hash = createHash('sha256').update(prev + event).digest('hex');
      insert.run(i, body.id, body.time, body.action, body.outcome, body.client_id, body.run_id, body.playbook, body.target, prev, hash, event);
      prev = hash;
    }
    db.exec('COMMIT');
  };
  while (seq < target) batch(Math.min(20_000, target - seq));
  db.close();
  return seq;
}

function rawScan(): { events: number; seconds: number; bytes: number } {
  const { db } = openSqlite(dbPath);
  const started = performance.now();
  let events = 0;
  let bytes = 0;
  for (const row of db.prepare('SELECT seq, id, time, action, outcome, client_id, run_id, playbook, target, prev_hash, hash, event FROM audit_events ORDER BY seq').iterate() as Iterable<{ event: string }>) {
    events += 1;
    bytes += row.event.length;
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return { events, seconds, bytes };
}

async function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const config = join(dir, 'portcullis.config.yaml');
  writeFileSync(
    config,
    [
      `listen: { host: 127.0.0.1, port: ${port} }`,
      `dataDir: ${dataDir}`,
      `playbooksDir: ${join(dir, 'playbooks')}`,
      'log: { level: warn }',
      'clients:',
      '  - id: auditor',
      '    scopes: [audit:read]',
      '    secrets: [{ env: BENCH_SECRET }]',
      '    tokens: [{ env: BENCH_TOKEN }]',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [join(root, 'bin/portcullis.mjs'), 'serve', '--config', config], {
    env: { ...process.env, BENCH_SECRET: `whsec_${Buffer.from(randomUUID()).toString('base64')}`, BENCH_TOKEN: TOKEN },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return { child, url };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('the server did not start');
}

const statusKb = (pid: number, field: string): number =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);

async function exportOnce(
  url: string,
  pid: number,
): Promise<{ events: number; seconds: number; bytes: number; rssBeforeMb: number; hwmBeforeMb: number }> {
  const rssBeforeMb = statusKb(pid, 'VmRSS') / 1024;
  // The peak so far (start-up: tsx transpiling, config, migrations), to tell it from the export's own peak.
  const hwmBeforeMb = statusKb(pid, 'VmHWM') / 1024;
  const started = performance.now();
  const res = await fetch(`${url}/v1/audit/events?format=ndjson`, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (!res.ok || !res.body) throw new Error(`export failed: ${res.status} ${await res.text()}`);
  let events = 0;
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) events += 1;
  }
  return { events, seconds: (performance.now() - started) / 1000, bytes, rssBeforeMb, hwmBeforeMb };
}

const rows: string[] = [];
try {
  for (let step = 1; step <= STEPS; step++) {
    const size = Math.round((TOTAL * step) / STEPS);
    const fillStarted = performance.now();
    const filled = fillTo(size);
    process.stderr.write(`filled ${filled} events in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s\n`);
    const scan = rawScan();
    const { child, url } = await startServer();
    const pid = child.pid as number;
    const api = await exportOnce(url, pid);
    const hwmMb = statusKb(pid, 'VmHWM') / 1024;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const apiRate = api.events / api.seconds;
    const scanRate = scan.events / scan.seconds;
    rows.push(
      `| ${api.events.toLocaleString('en-US')} | ${Math.round(apiRate).toLocaleString('en-US')} | ${Math.round(scanRate).toLocaleString('en-US')} | ${(apiRate / scanRate).toFixed(2)} | ${api.seconds.toFixed(1)} s | ${(api.bytes / 1e6).toFixed(0)} MB | ${api.rssBeforeMb.toFixed(0)} MB | ${api.hwmBeforeMb.toFixed(0)} MB | ${hwmMb.toFixed(0)} MB |`,
    );
    process.stderr.write(`${rows.at(-1)}\n`);
  }
  console.log(`machine: ${cpus().length} cpus (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} GiB free), node ${process.version}`);
  console.log('| events exported | API NDJSON events/s | raw SQLite scan events/s | ratio | export time | bytes | server RSS before | server peak RSS before export | server peak RSS (VmHWM) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * GET /v1/blocks at scale (issue 11, Build item 3): "is this address blocked?" and a page of blocks,
 * against the real server process (`portcullis serve`, the sandbox config on a temporary data dir) on
 * 127.0.0.1, with 100,000 active blocks in its store.
 *
 *   node bin/run-ts.mjs bench/blocks.ts [--blocks 100000] [--duration 10] [--warmup 2] [--connections 8] [--cpu-prof] [--only TEXT]
 *
 * Seeding: straight into the server's SQLite file before it starts, through the store's own commit (the
 * same SQL a block-ip run writes: a run per 1,000 blocks, one intent per block and target), then one
 * UPDATE marking every intent applied, as a settled reconciler would leave them. The blocks sit on three
 * targets (`seed-aws/edge`, `seed-azure/edge`, `seed-gcp/edge`, 300,000 intents) that the config does not
 * name, so the server's reconciler has nothing to push to the sandbox's simulated clouds: what is
 * measured is the read path alone (the accept and reconcile paths have their own benchmarks). Mix:
 * IPv4 /32 (85%), /24 (5%), /16-/20 (2%), IPv6 /128 (6%), /48-/64 (2%), from a seeded generator.
 *
 * Baseline in the same run: a bare Hono hello world (bench/hello-server.ts), same load shape.
 * Targets: `?ip=` p99 < 10 ms (one caller and `--connections` callers); a page of 100 blocks from a random
 * cursor p99 < 50 ms (one caller).
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { RequestSpec } from 'autocannon';
import { type Cidr, formatCidr, formatIp, lastAddress, prefixMask } from '../src/net/index.ts';
import { seededRandom } from '../src/net/random-cidrs.ts';
import { blockColumns, encodeBlockCursor } from '../src/runs/block-keys.ts';
import type { Intent, RunRecord } from '../src/runs/types.ts';
import { sql } from '../src/store/sql/driver.ts';
import { createSqliteStore } from '../src/store/sqlite/index.ts';
import { type Measurement, measure } from './edge/measure.ts';
import { printProfileSummary, summarizeProfile } from './edge/profile-summary.ts';
import { type ServerProcess, freePort, killChildrenOnExit, startServer, stopServer } from './edge/processes.ts';
import { writeServiceConfig } from './edge/service-config.ts';

const { values } = parseArgs({
  options: {
    blocks: { type: 'string', default: '100000' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '8' },
    'cpu-prof': { type: 'boolean', default: false },
    /** Only the rows whose label contains this text (and the baselines). */
    only: { type: 'string' },
  },
});
const profDir = values['cpu-prof'] ? mkdtempSync(join(tmpdir(), 'pc-bench-blocks-prof-')) : undefined;
const BLOCKS = Number(values.blocks);
const shape = { durationSeconds: Number(values.duration), warmupSeconds: Number(values.warmup) };
const CONNECTIONS = Number(values.connections);
const IP_P99_TARGET_MS = 10;
const PAGE_P99_TARGET_MS = 50;
const TARGETS = ['seed-aws', 'seed-azure', 'seed-gcp'];
const TOKEN = 'demo-read-token-for-the-sandbox-only';
const rnd = seededRandom(11);

killChildrenOnExit();

// 1. The blocks: distinct canonical CIDRs.
function randomCidr(): Cidr {
  const r = rnd.next();
  const v4 = (prefix: number): Cidr => {
    // Public-looking space: first octet 1-223.
    const value = (BigInt(rnd.int(1, 223)) << 24n) | rnd.bigint(24);
    return { family: 'ipv4', prefix, network: value & prefixMask('ipv4', prefix) };
  };
  const v6 = (prefix: number): Cidr => {
    const value = (0x2n << 124n) | rnd.bigint(124);
    return { family: 'ipv6', prefix, network: value & prefixMask('ipv6', prefix) };
  };
  if (r < 0.85) return v4(32);
  if (r < 0.9) return v4(24);
  if (r < 0.92) return v4(rnd.int(16, 20));
  if (r < 0.98) return v6(128);
  return v6(rnd.int(48, 64));
}
const byText = new Map<string, Cidr>();
while (byText.size < BLOCKS) {
  const c = randomCidr();
  byText.set(formatCidr(c), c);
}
const cidrs = [...byText.values()];

// 2. Seed the server's store before it starts.
const dir = mkdtempSync(join(tmpdir(), 'pc-bench-blocks-'));
const port = await freePort();
const configPath = writeServiceConfig(dir, port, 'warn');
const seedStarted = performance.now();
{
  mkdirSync(join(dir, 'data'), { recursive: true });
  const { store, driver, close } = createSqliteStore(join(dir, 'data', 'portcullis.db'));
  const now = Date.now();
  const week = 7 * 86_400_000;
  for (let start = 0, k = 0; start < cidrs.length; start += 1000, k++) {
    const run: RunRecord = {
      id: `run_seed_${k}`, playbook: 'block-ip', action: 'block', clientId: k % 2 ? 'demo' : 'feed', status: 'accepted',
      inputs: { indicators: ['(seeded)'], incident_id: `INC-${k % 50}` }, targets: TARGETS.map((c) => ({ connector: c, target: 'edge' })),
      createdAt: now, updatedAt: now,
    };
    const intents: Intent[] = [];
    for (const [n, cidr] of cidrs.slice(start, start + 1000).entries()) {
      const text = formatCidr(cidr);
      for (const connectorId of TARGETS) {
        intents.push({
          id: `int_${k}_${n}_${connectorId}`, runId: run.id, kind: 'deny', connectorId, targetId: 'edge',
          matchKey: `deny|ingress|all||||${text}`, spec: { direction: 'ingress', protocol: 'all', cidr: text }, desired: 'present',
          state: 'pending', expiresAt: now + week + rnd.int(0, week), offenses: 1, createdAt: now, updatedAt: now,
        });
      }
    }
    await store.commit({ audit: [], runs: [run], upsertIntents: intents });
  }
  await driver.batch([sql(`UPDATE intents SET state = 'applied'`), sql(`UPDATE run_intents SET state = 'applied'`)]);
  driver.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  close();
}
const seedSeconds = (performance.now() - seedStarted) / 1000;

// 3. The queries: addresses inside seeded blocks (hits) and random ones (mostly misses), both families.
const inside = (c: Cidr) => {
  const size = lastAddress(c) - c.network + 1n;
  const offset = size === 1n ? 0n : rnd.bigint(c.family === 'ipv4' ? 32 : 128) % size;
  return formatIp({ family: c.family, value: c.network + offset });
};
const ipPaths: string[] = [];
for (let i = 0; i < 20_000; i++) {
  const address = i % 2 ? inside(rnd.pick(cidrs)) : inside(randomCidr().family === 'ipv4' ? { family: 'ipv4', prefix: 0, network: 0n } : { family: 'ipv6', prefix: 3, network: 0x2n << 124n });
  ipPaths.push(`/v1/blocks?ip=${encodeURIComponent(address)}`);
}
const keys = cidrs.map((c) => blockColumns({ cidr: formatCidr(c), direction: 'ingress' }).blockKey);
const pagePaths = Array.from({ length: 5_000 }, () => `/v1/blocks?limit=100&cursor=${encodeBlockCursor(rnd.pick(keys))}`);
const bigPagePaths = Array.from({ length: 1_000 }, () => `/v1/blocks?limit=1000&cursor=${encodeBlockCursor(rnd.pick(keys))}`);
const filteredPaths = Array.from(
  { length: 1_000 },
  (_, i) => `/v1/blocks?limit=100&target=seed-azure/edge&state=applied&cursor=${encodeBlockCursor(rnd.pick(keys))}${i % 2 ? '&client=demo' : ''}`,
);
const incidentPaths = Array.from({ length: 50 }, (_, i) => `/v1/blocks?limit=100&incident=INC-${i}`);

const cycling = (paths: string[]): RequestSpec => {
  let i = 0;
  return {
    method: 'GET',
    headers: { authorization: `Bearer ${TOKEN}` },
    setupRequest: (request) => ({ ...request, path: paths[i++ % paths.length] as string }),
  };
};

// 4. Processes: the service (real `portcullis serve`) and the baseline.
const service = await startServer({
  name: 'portcullis',
  nodeArgs: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
  script: 'bin/portcullis.mjs',
  args: ['serve', '--config', configPath],
  url: `http://127.0.0.1:${port}`,
  readyPath: '/readyz',
  startTimeoutMs: 60_000,
});
const helloPort = await freePort();
const hello = await startServer({
  name: 'hello',
  nodeArgs: [],
  script: 'bin/run-ts.mjs',
  args: ['bench/hello-server.ts', '--port', String(helloPort)],
  url: `http://127.0.0.1:${helloPort}`,
  readyPath: '/',
  startTimeoutMs: 30_000,
});

const rssMb = (s: ServerProcess) => {
  const status = readFileSync(`/proc/${s.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
};

try {
  // Correctness before load: every hit finds its block; the answers agree with a scan of the seed.
  let checked = 0;
  for (const path of ipPaths.slice(0, 200)) {
    const res = await fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = (await res.json()) as { ip: string; blocked: boolean; blocks: { cidr: string; targets: unknown[] }[] };
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(body)}`);
    const address = decodeURIComponent(path.slice(path.indexOf('=') + 1));
    const value = address.includes(':') ? parseV6(address) : address.split('.').reduce((a, o) => (a << 8n) | BigInt(o), 0n);
    const family = address.includes(':') ? 'ipv6' : 'ipv4';
    const expected = cidrs.filter((c) => c.family === family && value >= c.network && value <= lastAddress(c)).map(formatCidr).sort();
    const got = body.blocks.map((b) => b.cidr).sort();
    if (JSON.stringify(got) !== JSON.stringify(expected) || body.blocked !== expected.length > 0 || body.blocks.some((b) => b.targets.length !== 3)) {
      throw new Error(`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(body)}`);
    }
    checked++;
  }
  const first = (await (await fetch(`${service.url}/v1/blocks?limit=100`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as {
    blocks: unknown[];
    next: string | null;
  };
  if (first.blocks.length !== 100 || !first.next) throw new Error('the first page is not a full page with a next link');
  const bytesOfPage = JSON.stringify(first).length;

  const rows: { label: string; m: Measurement; target?: number }[] = [];
  const run = async (label: string, server: ServerProcess, spec: RequestSpec, connections: number, target?: number) => {
    if (values.only && !label.startsWith('baseline') && !label.includes(values.only)) return undefined;
    const m = await measure(label, server, spec, { connections, ...shape });
    if (m.errors || m.timeouts || m.non2xx) throw new Error(`${label}: ${m.errors} errors, ${m.timeouts} timeouts, ${m.non2xx} non-2xx`);
    rows.push({ label, m, ...(target !== undefined ? { target } : {}) });
    return m;
  };
  const helloAt1 = (await run('baseline: bare Hono GET, 1 caller', hello, { method: 'GET', path: '/' }, 1)) as Measurement;
  const helloAtN = (await run(`baseline: bare Hono GET, ${CONNECTIONS} callers`, hello, { method: 'GET', path: '/' }, CONNECTIONS)) as Measurement;
  // The service's edge for a bearer read without a store query: what any read costs before its handler.
  await run('edge alone: GET /v1/whoami (bearer), 1 caller', service, { method: 'GET', path: '/v1/whoami', headers: { authorization: `Bearer ${TOKEN}` } }, 1);
  await run('GET /v1/blocks?ip=, 1 caller', service, cycling(ipPaths), 1, IP_P99_TARGET_MS);
  await run(`GET /v1/blocks?ip=, ${CONNECTIONS} callers`, service, cycling(ipPaths), CONNECTIONS, IP_P99_TARGET_MS);
  await run('GET /v1/blocks?limit=100 from a random cursor, 1 caller', service, cycling(pagePaths), 1, PAGE_P99_TARGET_MS);
  await run(`GET /v1/blocks?limit=100 from a random cursor, ${CONNECTIONS} callers`, service, cycling(pagePaths), CONNECTIONS);
  await run('GET /v1/blocks?limit=1000 from a random cursor, 1 caller', service, cycling(bigPagePaths), 1);
  await run('GET /v1/blocks?limit=100&target=&state=(&client=), 1 caller', service, cycling(filteredPaths), 1);
  await run('GET /v1/blocks?limit=100&incident= (2% of blocks), 1 caller', service, cycling(incidentPaths), 1);

  const baseline = (label: string) => (label.includes(`${CONNECTIONS} callers`) ? helloAtN : helloAt1);
  console.log(`\nGET /v1/blocks at ${BLOCKS.toLocaleString('en')} active blocks (${(BLOCKS * 3).toLocaleString('en')} intents on 3 targets)`);
  console.log(`seeded in ${seedSeconds.toFixed(1)} s; ${checked} address answers checked against a scan of the seed; first page ${bytesOfPage} bytes`);
  console.log(`duration ${shape.durationSeconds} s after ${shape.warmupSeconds} s warm-up per row; server RSS after the runs ${rssMb(service).toFixed(0)} MB\n`);
  console.log(`${'row'.padEnd(64)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'vs Hono'.padStart(8)} ${'CPU ms/req'.padStart(10)}  target`);
  let failed = 0;
  for (const { label, m, target } of rows) {
    const ratio = label.startsWith('baseline') ? '' : `${(m.requestsPerSecond / baseline(label).requestsPerSecond).toFixed(3)}`;
    const verdict = target === undefined ? '' : m.p99Ms < target ? `p99 < ${target} ms: PASS` : `p99 < ${target} ms: FAIL`;
    if (verdict.endsWith('FAIL')) failed++;
    console.log(`${label.padEnd(64)} ${m.requestsPerSecond.toFixed(0).padStart(8)} ${m.p50Ms.toFixed(2).padStart(7)} ${m.p99Ms.toFixed(2).padStart(7)} ${ratio.padStart(8)} ${((m.serverCores / m.requestsPerSecond) * 1000).toFixed(3).padStart(10)}  ${verdict}`);
  }
  console.log('CPU ms/req: CPU time the server process used per answered request (user + system, /proc).');
  console.log(`\n${failed ? `${failed} target(s) missed` : 'every target met'} (load average ${rows.at(-1)?.m.loadAverage.toFixed(2)})`);
  process.exitCode = failed ? 1 : 0;
} finally {
  await stopServer(service);
  await stopServer(hello);
  rmSync(dir, { recursive: true, force: true });
}
if (profDir) {
  for (const file of readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'))) {
    console.log(`\nwhere the server's CPU went (whole run, ${join(profDir, file)}):`);
    printProfileSummary(summarizeProfile(join(profDir, file), 30));
  }
}

function parseV6(text: string): bigint {
  const [head = '', tail = ''] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = text.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.reduce((a, g) => (a << 16n) | BigInt(`0x${g}`), 0n);
}

/**
 * Replicas on PostgreSQL (issue 13), in one run on this machine:
 * 1. signed-call throughput (POST /v1/playbooks/unblock-ip/runs, each call freshly signed, as
 *    bench/run.ts measures it) for: the minimal durable receiver baseline (issue 11), one replica on
 *    SQLite, one replica on PostgreSQL, and two replicas on one PostgreSQL database loaded together
 *    (the two rates summed);
 * 2. lease failover: two replicas, the holder of a target's lease SIGKILLed, the time until the other
 *    replica's /readyz lists the lease; 5 kills (a fresh replica replaces each killed one), median.
 *
 *   node bin/run-ts.mjs bench/ha.ts [--duration 8] [--warmup 2] [--connections 8] [--kills 5] [--ttl 10]
 *
 * PostgreSQL: PORTCULLIS_BENCH_PG (default postgres://postgres@127.0.0.1:5432/postgres); the bench
 * creates its own databases (pc_bench_ha_*) and drops them.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parse, stringify } from 'yaml';
import { type LoadShape, type Measurement, measure } from './edge/measure.ts';
import { type ServerProcess, freePort, killAll, killChildrenOnExit, startServer, stopServer } from './edge/processes.ts';
import { SANDBOX_CONFIG, sandboxClient } from './edge/service-config.ts';
import { signedRunRequest } from './edge/signed-requests.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '8' },
    kills: { type: 'string', default: '5' },
    ttl: { type: 'string', default: '10' },
  },
});
const shape: LoadShape = { connections: Number(values.connections), warmupSeconds: Number(values.warmup), durationSeconds: Number(values.duration) };
const KILLS = Number(values.kills);
const TTL_SECONDS = Number(values.ttl);
const PG_SERVER = process.env.PORTCULLIS_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_ENV = 'PORTCULLIS_DATABASE_URL';

killChildrenOnExit();
const workDir = mkdtempSync(join(tmpdir(), 'portcullis-bench-ha-'));
const databases: string[] = [];
const client = sandboxClient();

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_SERVER });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function createDatabase(): Promise<string> {
  const name = `pc_bench_ha_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await admin(`CREATE DATABASE ${name}`);
  databases.push(name);
  const url = new URL(PG_SERVER);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The sandbox config (its own simulators per process) with a data directory, a port and, optionally, PostgreSQL. */
function writeConfig(dir: string, port: number, postgres: boolean): string {
  const config = parse(readFileSync(SANDBOX_CONFIG, 'utf8')) as Record<string, unknown>;
  const copy = {
    ...config,
    listen: { host: '127.0.0.1', port },
    dataDir: join(dir, 'data'),
    playbooksDir: join(import.meta.dirname, '..', 'playbooks'),
    log: { level: 'warn' },
    reconcile: { ...(config.reconcile as object), leaseTtlSeconds: TTL_SECONDS, handoverPollMs: 250 },
    ...(postgres ? { store: { postgres: { url: { env: DB_ENV } } } } : {}),
  };
  const path = join(dir, 'portcullis.config.yaml');
  writeFileSync(path, stringify(copy));
  return path;
}

let replicaNo = 0;
async function startReplica(databaseUrl?: string): Promise<ServerProcess> {
  const dir = join(workDir, `replica-${++replicaNo}`);
  mkdirSync(dir);
  const port = await freePort();
  return startServer({
    name: `replica-${replicaNo}`,
    nodeArgs: [],
    script: 'bin/portcullis.mjs',
    args: ['serve', '--config', writeConfig(dir, port, databaseUrl !== undefined)],
    url: `http://127.0.0.1:${port}`,
    readyPath: '/readyz',
    startTimeoutMs: 60_000,
    ...(databaseUrl ? { env: { [DB_ENV]: databaseUrl } } : {}),
  });
}

const request = signedRunRequest(client, 'unblock-ip');
const line = (label: string, m: { requestsPerSecond: number; p50Ms: number; p99Ms: number; non2xx: number; errors: number }) =>
  `${label.padEnd(44)} ${m.requestsPerSecond.toFixed(0).padStart(7)} req/s   p50 ${String(m.p50Ms).padStart(4)} ms   p99 ${String(m.p99Ms).padStart(4)} ms   non-2xx ${m.non2xx}   errors ${m.errors}`;

async function single(label: string, start: () => Promise<ServerProcess>): Promise<Measurement> {
  const server = await start();
  try {
    return await measure(label, server, request, shape);
  } finally {
    await stopServer(server, 15_000);
  }
}

async function receiver(): Promise<Measurement> {
  const dir = join(workDir, 'receiver');
  mkdirSync(dir);
  const port = await freePort();
  return single('minimal durable receiver (SQLite)', () =>
    startServer({
      name: 'minimal-receiver',
      nodeArgs: [],
      script: 'bin/run-ts.mjs',
      args: ['bench/minimal-receiver.ts', '--port', String(port), '--db', join(dir, 'receiver.db')],
      env: { PORTCULLIS_BENCH_SECRET: client.secret },
      url: `http://127.0.0.1:${port}`,
      readyPath: '/',
      startTimeoutMs: 30_000,
    }),
  );
}

/** Two replicas on one database, each loaded by its own autocannon at the same time; rates summed. */
async function twoReplicas(): Promise<{ requestsPerSecond: number; p50Ms: number; p99Ms: number; non2xx: number; errors: number }> {
  const url = await createDatabase();
  const a = await startReplica(url);
  const b = await startReplica(url);
  try {
    const both = await Promise.all([measure('pg replica a', a, request, shape), measure('pg replica b', b, request, shape)]);
    return {
      requestsPerSecond: both.reduce((n, m) => n + m.requestsPerSecond, 0),
      p50Ms: Math.max(...both.map((m) => m.p50Ms)),
      p99Ms: Math.max(...both.map((m) => m.p99Ms)),
      non2xx: both.reduce((n, m) => n + m.non2xx, 0),
      errors: both.reduce((n, m) => n + m.errors, 0),
    };
  } finally {
    await Promise.all([stopServer(a, 15_000), stopServer(b, 15_000)]);
  }
}

const leasesOf = async (server: ServerProcess): Promise<string[]> =>
  fetch(`${server.url}/readyz`).then(
    async (r) => ((await r.json()) as { replica?: { leases: string[] } }).replica?.leases ?? [],
    () => [],
  );

/** SIGKILL the holder of a target's lease; ms until another replica's /readyz lists it. */
async function failovers(): Promise<number[]> {
  const url = await createDatabase();
  const replicas = [await startReplica(url), await startReplica(url)];
  const lease = 'target:aws-sandbox/edge';
  const times: number[] = [];
  try {
    for (let kill = 0; kill < KILLS; kill++) {
      let holder: ServerProcess | undefined;
      for (const deadline = Date.now() + 30_000; !holder && Date.now() < deadline; ) {
        for (const r of replicas) if ((await leasesOf(r)).includes(lease)) holder = r;
        if (!holder) await new Promise((r) => setTimeout(r, 100));
      }
      if (!holder) throw new Error(`no replica holds ${lease}`);
      const other = replicas.find((r) => r !== holder) as ServerProcess;
      holder.child.kill('SIGKILL');
      const killedAt = Date.now();
      while (!(await leasesOf(other)).includes(lease)) {
        if (Date.now() - killedAt > 60_000) throw new Error(`${lease} did not move within 60 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
      times.push(Date.now() - killedAt);
      console.log(`  kill ${kill + 1}: ${lease} moved after ${times.at(-1)} ms`);
      replicas.splice(replicas.indexOf(holder), 1, await startReplica(url));
    }
    return times;
  } finally {
    await Promise.all(replicas.map((r) => stopServer(r, 15_000)));
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

try {
  console.log(`signed-call throughput: unblock-ip, ${shape.connections} connections per server, ${shape.warmupSeconds} s warm-up, ${shape.durationSeconds} s measured`);
  console.log(line('baseline: minimal durable receiver (SQLite)', await receiver()));
  console.log(line('portcullis, 1 replica, SQLite', await single('sqlite', () => startReplica())));
  console.log(line('portcullis, 1 replica, PostgreSQL', await single('pg', async () => startReplica(await createDatabase()))));
  console.log(line('portcullis, 2 replicas, one PostgreSQL (sum)', await twoReplicas()));
  console.log(`lease failover (lease TTL ${TTL_SECONDS} s, hand-over poll 250 ms), ${KILLS} SIGKILLs:`);
  const times = await failovers();
  console.log(`lease failover median ${median(times)} ms (min ${Math.min(...times)}, max ${Math.max(...times)})`);
} finally {
  killAll();
  for (const name of databases) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
  rmSync(workDir, { recursive: true, force: true });
}

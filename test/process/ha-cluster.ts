/**
 * Several real `portcullis serve` replicas on one PostgreSQL database (issue 13), in front of the
 * clouds' simulators served once by the test process on loopback (test/process/clouds.ts), so every
 * replica writes to the same simulated clouds. Also: a client that sends each call to the replicas in
 * turn (as a load balancer would), an audit poller, and a TCP proxy the test can cut between the
 * replicas and PostgreSQL (never the shared server itself).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { testSecret } from '../support/sign.ts';
import { signedInit } from '../support/sign.ts';
import { type ServerProcess, sleep, startServer, tempDir } from '../support/process.ts';
import { type Clouds, PROCESS_CLIENT, cloudsConfig } from './clouds.ts';

export const APPROVER = { id: 'approver', secretEnv: 'PROC_APPROVER_SECRET' } as const;
export const DB_URL_ENV = 'PORTCULLIS_DATABASE_URL';

export interface Cluster {
  replicas: ServerProcess[];
  secret: string;
  approverSecret: string;
  token: string;
  env: Record<string, string>;
  /** Starts one more replica on the same database (its own data directory). */
  add(): Promise<ServerProcess>;
  alive(): ServerProcess[];
  /** The replica whose /readyz lists this lease, if one does. */
  holderOf(lease: string): Promise<ServerProcess | undefined>;
}

export interface Readiness {
  status: string;
  replica?: { id: string; leases: string[]; cluster_tasks: boolean };
}

export const readiness = async (server: ServerProcess): Promise<Readiness | undefined> =>
  fetch(`${server.url}/readyz`).then(
    async (r) => (r.status === 200 ? ((await r.json()) as Readiness) : undefined),
    () => undefined,
  );

/** `count` replicas on the database at `url`; each has its own data directory and port. */
export async function startCluster(options: { clouds: Clouds; databaseUrl: string; count: number; leaseTtlSeconds?: number }): Promise<Cluster> {
  const secret = testSecret();
  const approverSecret = testSecret();
  const token = randomBytes(24).toString('hex');
  const env = {
    [PROCESS_CLIENT.secretEnv]: secret,
    [PROCESS_CLIENT.tokenEnv]: token,
    [APPROVER.secretEnv]: approverSecret,
    // The database URL is a secret: it reaches the replicas through the environment only.
    [DB_URL_ENV]: options.databaseUrl,
  };
  const extra = `store: { postgres: { url: { env: ${DB_URL_ENV} } } }
reconcile: { leaseTtlSeconds: ${options.leaseTtlSeconds ?? 10}, handoverPollMs: 250 }
approvals: { expireAfterHours: 24 }
idempotency: { retentionHours: 24, inFlightLockSeconds: 15 }
`;
  const config = (dataDir: string) => (port: number) =>
    cloudsConfig(options.clouds, dataDir, port, extra).replace(
      /^clients:\n/m,
      `clients:\n  - id: ${APPROVER.id}\n    scopes: [approve, runs:read]\n    secrets: [{ env: ${APPROVER.secretEnv} }]\n`,
    );
  const replicas: ServerProcess[] = [];
  const add = async () => {
    const dir = tempDir('portcullis-ha-');
    const server = await startServer({ dir, config: config(join(dir, 'data')), env });
    replicas.push(server);
    return server;
  };
  await Promise.all(Array.from({ length: options.count }, add));
  const alive = () => replicas.filter((r) => r.alive());
  return {
    replicas,
    secret,
    approverSecret,
    token,
    env,
    add,
    alive,
    async holderOf(lease) {
      for (const server of alive()) {
        if ((await readiness(server))?.replica?.leases.includes(lease)) return server;
      }
      return undefined;
    },
  };
}

export interface Sent {
  status: number;
  body: string;
  headers: Headers;
  /** The replica that answered. */
  url: string;
}

/**
 * A signed POST sent to the replicas in turn, starting at `first`: when a replica does not answer
 * (killed), the same signed message goes to the next one, as a load balancer retries a dead backend.
 */
export async function postRoundRobin(
  cluster: Cluster,
  first: number,
  path: string,
  body: string,
  options: { clientId?: string; secret?: string; idempotencyKey?: string; retryInFlightMs?: number } = {},
): Promise<Sent> {
  const init = signedInit({
    clientId: options.clientId ?? PROCESS_CLIENT.id,
    secret: options.secret ?? cluster.secret,
    body,
    nowMs: Date.now(),
    ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
  });
  const retryUntil = Date.now() + (options.retryInFlightMs ?? 0);
  const failures: string[] = [];
  const giveUpAt = Date.now() + 20_000;
  for (let attempt = 0; Date.now() < giveUpAt; attempt++) {
    const server = cluster.replicas[(first + attempt) % cluster.replicas.length] as ServerProcess;
    if (!server.alive()) continue;
    try {
      const response = await fetch(`${server.url}${path}`, init);
      const text = await response.text();
      // The first delivery is still in flight (or died with the replica that took it, until its lock
      // lapses): a client waits Retry-After and sends the same message again.
      if (response.status === 409 && text.includes('idempotency_in_flight') && Date.now() < retryUntil) {
        await sleep(Number(response.headers.get('retry-after') ?? '1') * 1000);
        attempt--;
        continue;
      }
      return { status: response.status, body: text, headers: response.headers, url: server.url };
    } catch (error) {
      // A connection refused or reset (the replica was killed): the next replica gets the same message.
      failures.push(`${server.url}: ${String((error as { cause?: unknown }).cause ?? error)}`);
      await sleep(50);
    }
  }
  const dead = cluster.replicas.filter((r) => !r.alive()).map((r) => `${r.url} exited:\n${r.output().slice(-2000)}`);
  throw new Error(`no replica answered ${path} within 20 s:\n${failures.slice(-6).join('\n')}\n${dead.join('\n')}`);
}

/** A bearer-token GET to the first live replica that answers. */
/** Every active block, following GET /v1/blocks pages (`next`) from any replica. */
export async function readAllBlocks<B>(cluster: Cluster): Promise<B[]> {
  const out: B[] = [];
  for (let path: string | null = '/v1/blocks?limit=1000'; path; ) {
    const page: { blocks: B[]; next: string | null } = await readAny(cluster, path);
    out.push(...page.blocks);
    path = page.next;
  }
  return out;
}

export async function readAny<T>(cluster: Cluster, path: string): Promise<T> {
  let lastError: unknown;
  for (const server of cluster.alive()) {
    try {
      const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${cluster.token}` } });
      const text = await response.text();
      if (response.status === 200) return JSON.parse(text) as T;
      lastError = new Error(`GET ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError ?? new Error('no replica alive');
}

/**
 * Follows GET /v1/audit/events from replica to replica (each page from the next live one) for as
 * long as it runs, keeping every seq it saw: a skipped event shows as a gap.
 */
export function auditPoller(cluster: Cluster): { seqs: number[]; stop(): Promise<void> } {
  const seqs: number[] = [];
  let running = true;
  let turn = 0;
  const loop = (async () => {
    let cursor = '';
    while (running) {
      const replicas = cluster.alive();
      const server = replicas[turn++ % Math.max(1, replicas.length)];
      if (!server) break;
      try {
        const response = await fetch(`${server.url}/v1/audit/events?limit=500${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`, {
          headers: { authorization: `Bearer ${cluster.token}` },
        });
        if (response.status === 200) {
          const page = (await response.json()) as { events: { seq: number }[]; next_cursor: string };
          for (const e of page.events) seqs.push(e.seq);
          cursor = page.next_cursor;
          if (page.events.length) continue;
        }
      } catch {
        // A replica killed under the poller: the next page comes from another one.
      }
      await sleep(100);
    }
  })();
  return {
    seqs,
    async stop() {
      // One last sweep after the writers stopped, then end.
      await sleep(300);
      running = false;
      await loop;
    },
  };
}

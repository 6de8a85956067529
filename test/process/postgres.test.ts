/**
 * `portcullis serve` on PostgreSQL (issue 13, bad input and faults), real processes on loopback:
 * - the database unreachable at start: the process exits with an error naming the host and the cause,
 *   never the password (a canary password is looked for in everything it printed);
 * - unreachable while running (a TCP proxy in front of the shared server is cut, then restored):
 *   calls answer 503 problem+json with Retry-After, nothing is half-written, and the service recovers
 *   by itself: every call retried with its Idempotency-Key ends accepted exactly once.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/audit/verify-store.ts';
import { createPostgresStore } from '../../src/store/postgres/index.ts';
import { type TestDatabase, createTestDatabase, pgUrl } from '../support/postgres.ts';
import { cleanUp, freePort, runCliToExit, sleep, startServer, tempDir, waitFor } from '../support/process.ts';
import { signedInit } from '../support/sign.ts';
import { type TcpProxy, startTcpProxy } from '../support/tcp-proxy.ts';
import { DEMO_SECRET, DEMO_TOKEN, sandboxConfig } from './sandbox-config.ts';

const withPostgres = (text: string) => `${text}\nstore:\n  postgres:\n    url: { env: PC_TEST_PG_URL }\n    connectTimeoutSeconds: 2\n`;

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await cleanUp();
  await db?.drop();
});

describe('the database unreachable at start', () => {
  it('exits non-zero naming the host, port and cause, and never prints the password', async () => {
    const dir = tempDir();
    const port = await freePort();
    const dead = await freePort();
    const canary = 'Canary-pw-3c1f8e7d0b';
    const configPath = join(dir, 'portcullis.config.yaml');
    writeFileSync(configPath, withPostgres(sandboxConfig(join(dir, 'data'), port)));
    const exit = await runCliToExit(['serve', '--config', configPath], { PC_TEST_PG_URL: `postgres://portcullis:${canary}@127.0.0.1:${dead}/portcullis` }, 25_000);
    expect(exit.code, exit.output).not.toBe(0);
    expect(exit.output).toMatch(new RegExp(`cannot connect to the PostgreSQL store at 127\\.0\\.0\\.1:${dead} \\(database portcullis, user portcullis\\): .*ECONNREFUSED`));
    expect(exit.output).not.toContain(canary);
    expect(exit.output).not.toContain('portcullis listening');
  }, 30_000);
});

describe('a database with a newer schema', () => {
  it('is refused at start, naming the migration this build does not know', async () => {
    const newer = await createTestDatabase();
    try {
      await (await createPostgresStore({ url: newer.url })).close();
      const client = new pg.Client({ connectionString: newer.url });
      await client.connect();
      await client.query("INSERT INTO portcullis_migrations (name, applied_at) VALUES ('0999_from_a_newer_release.sql', 'now')");
      await client.end();
      const dir = tempDir();
      const configPath = join(dir, 'portcullis.config.yaml');
      writeFileSync(configPath, withPostgres(sandboxConfig(join(dir, 'data'), await freePort())));
      const exit = await runCliToExit(['serve', '--config', configPath], { PC_TEST_PG_URL: newer.url }, 25_000);
      expect(exit.code, exit.output).toBe(1);
      expect(exit.output).toMatch(/newer schema than this build of portcullis knows: it applied migration 0999_from_a_newer_release\.sql/);
      expect(exit.output).not.toContain('portcullis listening');
    } finally {
      await newer.drop();
    }
  }, 30_000);
});

describe('the database unreachable while running', () => {
  let proxy: TcpProxy;
  afterEach(async () => {
    await proxy?.close();
  });

  it('answers 503 problem+json with Retry-After, writes nothing half-done, and recovers by itself', async () => {
    const server = new URL(pgUrl(db.name));
    proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    const dir = tempDir();
    const serve = await startServer({
      dir,
      config: (port) => withPostgres(sandboxConfig(join(dir, 'data'), port)),
      env: { PC_TEST_PG_URL: viaProxy.toString() },
    });

    // Each call is built once (id, timestamp, signature, key) and resent verbatim, as a SOAR retry does.
    const N = 40;
    // calls[i] blocks 203.0.113.(10 + i).
    const calls = Array.from({ length: N }, (_, i) => {
      const body = JSON.stringify({ playbook: 'block-ip', inputs: { indicators: `203.0.113.${i + 10}` } });
      return signedInit({ clientId: 'demo', secret: DEMO_SECRET, body, nowMs: Date.now(), idempotencyKey: `burst-${i}` });
    });
    const send = (i: number) => fetch(`${serve.url}/v1/playbooks/block-ip/runs`, calls[i]);
    const answers: number[] = new Array(N).fill(0);
    const unavailable: Response[] = [];
    const record = async (i: number) => {
      const response = await send(i);
      answers[i] = response.status;
      if (response.status === 503) unavailable.push(response);
      else await response.body?.cancel();
    };

    // A burst, cut in the middle: 10 calls before, 25 in flight when the cut comes (at admission, in
    // the handler or at commit, as timing has it), 5 after it.
    await Promise.all(Array.from({ length: 10 }, (_, i) => record(i)));
    const inFlight = Promise.all(Array.from({ length: 25 }, (_, k) => record(10 + k)));
    await sleep(60);
    proxy.cut();
    const after = Promise.all(Array.from({ length: 5 }, (_, k) => record(35 + k)));
    await Promise.all([inFlight, after]).catch((error: unknown) => {
      throw new Error(`the burst failed (${String(error)}):\n${serve.output().slice(-4000)}`);
    });
    const read = await fetch(`${serve.url}/v1/runs?limit=5`, { headers: { authorization: `Bearer ${DEMO_TOKEN}` } }).catch((error: unknown) => {
      throw new Error(`the read failed (${String(error)}; alive: ${serve.alive()}):\n${serve.output().slice(-4000)}`);
    });

    // Every call either succeeded or was refused with 503: none failed otherwise.
    expect(answers.every((s) => s === 202 || s === 200 || s === 503), answers.join(',')).toBe(true);
    expect(answers.slice(0, 10).every((s) => s === 202 || s === 200), answers.join(',')).toBe(true);
    expect(answers.slice(35).every((s) => s === 503), answers.join(',')).toBe(true);
    for (const response of [...unavailable, read]) {
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      const problem = (await response.json()) as { code: string; detail: string };
      expect(problem.code).toBe('unavailable');
      expect(problem.detail).toMatch(/database is unreachable/);
      // Nothing about the database's address or credentials leaves the service.
      expect(problem.detail).not.toMatch(/127\.0\.0\.1|postgres:\/\//);
    }

    // The database comes back: the same process, untouched, serves again; every call retried with its
    // key runs exactly once (a call that did commit is answered from its stored response).
    proxy.restore();
    const deadline = Date.now() + 20_000;
    for (let i = 0; i < N; i++) {
      while (answers[i] !== 202 && answers[i] !== 200) {
        if (Date.now() > deadline) throw new Error(`call ${i} still answered ${answers[i]} 20 s after the database returned:\n${serve.output().slice(-3000)}`);
        const response = await send(i).catch((error: unknown) => {
          throw new Error(`retry of call ${i} failed (${String(error)}; alive: ${serve.alive()}):\n${serve.output().slice(-4000)}`);
        });
        answers[i] = response.status;
        await response.body?.cancel();
        if (answers[i] !== 202 && answers[i] !== 200) await sleep(200);
      }
    }

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ ip: string; n: string }>(
        "SELECT inputs AS ip, count(*) AS n FROM runs WHERE playbook = 'block-ip' GROUP BY inputs",
      );
      // One run per call: none lost, none run twice.
      expect(rows).toHaveLength(N);
      expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
      // No idempotency record left in flight, no run without its audit event.
      const inFlight = await client.query("SELECT count(*) AS n FROM idempotency WHERE state = 'in_flight'");
      expect(Number(inFlight.rows[0]?.n)).toBe(0);
      const accepted = await client.query("SELECT count(DISTINCT run_id) AS n FROM audit_events WHERE action = 'run.accepted'");
      expect(Number(accepted.rows[0]?.n)).toBe(N);
      // And every block holds: the reconciler's passes that met the outage left their intents pending,
      // and later passes applied them.
      const settled = await waitFor(
        async () => {
          const { rows: states } = await client.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM intents GROUP BY state');
          return states.length === 1 && states[0]?.state === 'applied' ? states : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250, describe: () => `intents not all applied:\n${serve.output().slice(-2000)}` },
      );
      expect(settled[0]?.n).toBeGreaterThanOrEqual(N);
    } finally {
      await client.end();
    }
    const check = await createPostgresStore({ url: db.url });
    try {
      expect(await verifyStore(check.store)).toMatchObject({ ok: true });
    } finally {
      await check.close();
    }
    expect(serve.alive()).toBe(true);
  }, 90_000);
});

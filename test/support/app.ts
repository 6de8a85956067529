/**
 * The app as the edge tests see it: built in-process with buildApp over a real SQLite file, a fake
 * clock, a pino logger writing into memory, test clients (secrets from a fake env), and a small
 * mutating route module that goes through the real edge (authenticate, zod, runMutation, audit).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from '@hono/zod-openapi';
import { buildApp } from '../../src/app.ts';
import { type App, type RouteModule, type SignedRouteInfo, signedRoute } from '../../src/http/route.ts';
import type { AuditRuntime } from '../../src/audit/runtime.ts';
import type { AuditEvent } from '../../src/audit/types.ts';
import type { ClientConfig } from '../../src/config/schema.ts';
import { edgeEvent, runMutation } from '../../src/http/admission.ts';
import { ClientRegistry } from '../../src/http/clients.ts';
import { Problem } from '../../src/http/problem.ts';
import { nodeSourceAddress } from '../../src/http/source.ts';
import { createPinoLogger } from '../../src/log/pino.ts';
import type { Logger } from '../../src/platform.ts';
import type { EdgeSettings, Runtime, Services } from '../../src/services.ts';
import type { SqlStore } from '../../src/store/sql/store.ts';
import type { SqlDriver } from '../../src/store/sql/driver.ts';
import type { Store } from '../../src/store/types.ts';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { createPostgresStore } from '../../src/store/postgres/index.ts';
import { type TestDatabase, createTestDatabase, testsOnPostgres } from './postgres.ts';
import { FakeClock } from './fake-clock.ts';
import { testSecret } from './sign.ts';

/** Lines written by pino, kept in memory so tests can read (and search) every log line. */
export class LogCapture {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  get records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  get text(): string {
    return this.lines.join('');
  }
}

/** Counts what the test route actually executed, and can hold executions open (concurrency tests). */
export class ThingsState {
  executions = 0;
  /** Executions that reached the gate (held or not), so tests know a request is inside the handler. */
  private arrivals = 0;
  private arrivalWaiters: { n: number; resolve: () => void }[] = [];
  private gate: Promise<void> | undefined;
  /** Holds every execution until the returned function is called. */
  hold(): () => void {
    let release = (): void => {};
    this.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    return () => {
      this.gate = undefined;
      release();
    };
  }
  async waitGate(): Promise<void> {
    this.arrivals += 1;
    for (const waiter of this.arrivalWaiters.filter((w) => this.arrivals >= w.n)) waiter.resolve();
    this.arrivalWaiters = this.arrivalWaiters.filter((w) => this.arrivals < w.n);
    if (this.gate) await this.gate;
  }
  /** Resolves once `n` executions in total have reached the gate (a signal, not a sleep). */
  arrived(n: number): Promise<void> {
    if (this.arrivals >= n) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.arrivalWaiters.push({ n, resolve });
    });
  }
}

export const THINGS_PATH = '/v1/test/things';
export const OTHER_THINGS_PATH = '/v1/test/other-things';

const thingBody = z.object({
  type: z.literal('test.thing'),
  name: z.string().min(1).max(64),
  /** The handler refuses (422 via Problem) when true: exercises the key release on a handler refusal. */
  refuse: z.boolean().optional(),
});

/** A valid body for the test routes. */
export const thingJson = (name = 'one', extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ type: 'test.thing', name, ...extra });

/**
 * POST /v1/test/things and /v1/test/other-things: signed, scope `block`, executed through runMutation.
 * GET /v1/test/things: a second read route (scope `runs:read`), so cross-route replays of reads can be tried.
 */
export function thingsModule(state: ThingsState): RouteModule {
  return (app) => {
    const countRoute = signedRoute({ scope: 'runs:read', mutating: false }, {
      method: 'get',
      path: THINGS_PATH,
      summary: 'Test-only read route',
      responses: { 200: { description: 'How many things were created' } },
    });
    app.openapi(countRoute, (c) => c.json({ executions: state.executions }, 200));

    for (const path of [THINGS_PATH, OTHER_THINGS_PATH]) {
      const route = signedRoute({ scope: 'block', mutating: true }, {
        method: 'post',
        path,
        summary: 'Test-only mutating route',
        request: { body: { content: { 'application/json': { schema: thingBody } }, required: true } },
        responses: { 201: { description: 'Created' } },
      });
      app.openapi(route, (c) =>
        runMutation(c, async () => {
          const body = c.req.valid('json');
          await state.waitGate();
          if (body.refuse) throw new Problem('validation_failed', 'refuse: the test handler was asked to refuse');
          state.executions += 1;
          const id = `thing_${state.executions}`;
          return {
            status: 201,
            body: { id, name: body.name, route: path },
            work: { audit: [edgeEvent(c, 'test.thing.created', 'success', { id })] },
          };
        }),
      );
    }
  };
}

/** Test clients: secrets and tokens live in a fake environment, as in production config. */
export const SECRETS = {
  soar: testSecret(),
  rotatingOld: testSecret(),
  rotatingNew: testSecret(),
  reader: testSecret(),
  auditor: testSecret(),
  /** Clients of the runtime app only (test/support/runtime.ts RUNTIME_CLIENTS). */
  approver: testSecret(),
  operator: testSecret(),
};
export const TOKENS = {
  reader: `reader-token-${crypto.randomUUID()}`,
  soar: `soar-token-${crypto.randomUUID()}`,
  auditor: `auditor-token-${crypto.randomUUID()}`,
};

export const DEFAULT_CLIENTS: ClientConfig[] = [
  { id: 'soar', scopes: ['block', 'runs:read'], secrets: [{ env: 'SOAR_SECRET' }], tokens: [{ env: 'SOAR_TOKEN' }] },
  {
    id: 'rotating',
    scopes: ['block', 'runs:read'],
    secrets: [{ env: 'ROTATING_OLD' }, { env: 'ROTATING_NEW' }],
    tokens: [],
  },
  { id: 'reader', scopes: ['runs:read'], secrets: [{ env: 'READER_SECRET' }], tokens: [{ env: 'READER_TOKEN' }] },
  { id: 'auditor', scopes: ['audit:read'], secrets: [{ env: 'AUDITOR_SECRET' }], tokens: [{ env: 'AUDITOR_TOKEN' }] },
];

export const DEFAULT_ENV: Record<string, string> = {
  SOAR_SECRET: SECRETS.soar,
  SOAR_TOKEN: TOKENS.soar,
  ROTATING_OLD: SECRETS.rotatingOld,
  ROTATING_NEW: SECRETS.rotatingNew,
  READER_SECRET: SECRETS.reader,
  READER_TOKEN: TOKENS.reader,
  AUDITOR_SECRET: SECRETS.auditor,
  AUDITOR_TOKEN: TOKENS.auditor,
};

export const DEFAULT_SETTINGS: EdgeSettings = {
  toleranceSeconds: 300,
  bodyBytes: 256 * 1024,
  idempotencyTtlMs: 24 * 3_600_000,
  inFlightLockMs: 60_000,
};

export interface TestAppOptions {
  clients?: ClientConfig[];
  env?: Record<string, string>;
  settings?: Partial<EdgeSettings>;
  clock?: FakeClock;
  /** Reuse a data directory (restart tests); a fresh temp dir otherwise. */
  dir?: string;
  logs?: LogCapture;
  things?: ThingsState;
  /** Route modules registered after the test routes. */
  modules?: RouteModule[];
  /** Playbooks, connectors and reconciler over this app's store (test/support/runtime.ts simulatedRuntime). */
  runtime?: (deps: { store: Store; clock: FakeClock; log: Logger }) => Runtime;
  /** The audit checkpoint signer. */
  audit?: AuditRuntime;
  /** Another store than SQLite under `dir` (the PostgreSQL tests); the app closes it. */
  store?: { store: SqlStore; driver: SqlDriver; close(): void | Promise<void> };
  /** With PORTCULLIS_TEST_STORE=postgres: the database to reopen (restart); a fresh one otherwise. */
  database?: TestDatabase;
}

export interface TestApp {
  app: App;
  signedRoutes: SignedRouteInfo[];
  store: SqlStore;
  services: Services;
  clock: FakeClock;
  logs: LogCapture;
  things: ThingsState;
  dir: string;
  /** Every audit event appended so far. */
  audit(): Promise<AuditEvent[]>;
  /** Rows in the replay guard and idempotency tables (refusals must add none). */
  stateRows(): Promise<{ replay: number; idempotency: number }>;
  /** Closes the store and opens a new app on the same SQLite file (a process restart). */
  restart(): Promise<TestApp>;
  /** Closes the store (keeps the files). */
  close(): void;
  /** Closes the store and deletes the data directory. */
  dispose(): void;
}

/** A PostgreSQL store (PORTCULLIS_TEST_STORE=postgres) on the app's database; `dispose` drops it. */
async function postgresForTest(db: TestDatabase, now: () => number): Promise<{ store: SqlStore; driver: SqlDriver; close(): Promise<void> }> {
  return createPostgresStore({ url: db.url, now });
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'portcullis-edge-'));
  const clock = options.clock ?? new FakeClock();
  const logs = options.logs ?? new LogCapture();
  const things = options.things ?? new ThingsState();
  const env = options.env ?? DEFAULT_ENV;
  const clientConfigs = options.clients ?? DEFAULT_CLIENTS;
  const database = options.store || !testsOnPostgres() ? undefined : (options.database ?? (await createTestDatabase('pc_test_app')));
  const sqlite = options.store ?? (database ? await postgresForTest(database, () => clock.now()) : createSqliteStore(join(dir, 'portcullis.db'), () => clock.now()));
  const clients = await ClientRegistry.build(clientConfigs, { env: (name) => env[name] });
  const services: Services = {
    store: sqlite.store,
    clients,
    clock,
    log: createPinoLogger('info', logs),
    settings: { ...DEFAULT_SETTINGS, ...options.settings },
    version: '0.0.0-test',
    sourceAddress: nodeSourceAddress,
  };
  if (options.runtime) services.runtime = options.runtime({ store: sqlite.store, clock, log: services.log });
  if (options.audit) services.audit = options.audit;
  const { app, signedRoutes } = buildApp(services, [thingsModule(things), ...(options.modules ?? [])]);
  const self: TestApp = {
    app,
    signedRoutes,
    store: sqlite.store,
    services,
    clock,
    logs,
    things,
    dir,
    audit: () => sqlite.store.auditAfter(0, 10_000),
    stateRows: async () => {
      const count = async (table: string) =>
        (await sqlite.driver.all<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n ?? -1;
      return { replay: await count('replay_guard'), idempotency: await count('idempotency') };
    },
    restart: async () => {
      await sqlite.close();
      return createTestApp({ ...options, dir, clock, logs, things, ...(database ? { database } : {}) });
    },
    close: () => sqlite.close(),
    dispose: () => {
      const closed = sqlite.close();
      rmSync(dir, { recursive: true, force: true });
      if (database) void Promise.resolve(closed).finally(() => database.drop());
    },
  };
  return self;
}

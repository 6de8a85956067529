/**
 * Issue 13 item 3 (fencing): two replicas on one database, a fake clock shared by both. A replica
 * whose target lease lapsed mid-pass (and was taken by the other) must not write to the cloud after
 * it lost the lease, nor commit the pass's outcomes; the new holder converges the target, each rule
 * once. The lease rows themselves: take, renew, refuse, lapse, release, with the token growing.
 * Both engines: two connections to one SQLite file, and two pools on one real PostgreSQL database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConnectorRegistry } from '../../connectors/index.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { buildConnectors } from '../../src/connectors/build.ts';
import type { Connector } from '../../src/connectors/types.ts';
import { ReplicaLeases, targetLease } from '../../src/reconcile/leases.ts';
import { Reconciler } from '../../src/reconcile/reconciler.ts';
import type { Intent } from '../../src/runs/types.ts';
import { matchKeyOf } from '../../src/runs/planner.ts';
import type { Logger } from '../../src/platform.ts';
import { SqlLeaseStore } from '../../src/store/sql/leases.ts';
import { createPostgresStore } from '../../src/store/postgres/index.ts';
import type { SqlDriver } from '../../src/store/sql/driver.ts';
import type { SqlStore } from '../../src/store/sql/store.ts';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { type TestDatabase, createTestDatabase, truncateAll } from '../support/postgres.ts';
import { type Sims, createSimulators, e2eConfigText, simulatorHandlers } from '../support/e2e.ts';
import { FakeClock } from '../support/fake-clock.ts';

const TTL_MS = 60_000;
const CONNECTOR = 'gcp-sandbox';
const TARGET = 'edge';
const silent: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as unknown as Logger;
const registry = await loadConnectorRegistry();

const dir = mkdtempSync(join(tmpdir(), 'portcullis-fencing-'));
let clock: FakeClock;
let sims: Sims;
const msw = setupServer();
let pgDb: TestDatabase;
beforeAll(async () => {
  msw.listen({ onUnhandledFrame: 'error' });
  pgDb = await createTestDatabase('pc_i13_ha_fencing');
});
afterAll(async () => {
  msw.close();
  rmSync(dir, { recursive: true, force: true });
  await pgDb?.drop();
});

type Opened = { store: SqlStore; driver: SqlDriver; close(): void | Promise<void> };
interface Engine {
  name: string;
  /** A fresh shared database; `open` gives each replica its own connection to it. */
  fresh(): Promise<() => Promise<Opened>>;
}
let fileNo = 0;
const ENGINES: Engine[] = [
  {
    name: 'SQLite (two connections to one file)',
    async fresh() {
      const file = join(dir, `shared-${++fileNo}.db`);
      return async () => createSqliteStore(file, () => clock.now());
    },
  },
  {
    name: 'PostgreSQL (two pools on one database)',
    async fresh() {
      await truncateAll(pgDb.url).catch(() => undefined); // the first open migrates the empty database
      return () => createPostgresStore({ url: pgDb.url, now: () => clock.now() });
    },
  },
];
afterEach(() => msw.resetHandlers());

interface Replica {
  name: string;
  leases: ReplicaLeases;
  reconciler: Reconciler;
  store: SqlStore;
  connectors: Map<string, Connector>;
  close(): void | Promise<void>;
}

/** A replica: its own connection to the shared SQLite file, its own connectors, leases and reconciler. */
async function replica(open: () => Promise<Opened>, name: string): Promise<Replica> {
  const config = parseConfig(e2eConfigText(dir), 'fencing.config.yaml');
  const { connectors } = buildConnectors(config, registry, { clock, log: silent, secrets: { env: () => undefined } });
  const opened = await open();
  const leases = new ReplicaLeases({ store: new SqlLeaseStore(opened.driver), clock, log: silent, owner: name, ttlMs: TTL_MS });
  const reconciler = new Reconciler({ store: opened.store, connectors, clock, log: silent, leases });
  return { name, leases, reconciler, store: opened.store, connectors, close: opened.close };
}

async function cluster(engine: Engine): Promise<{ a: Replica; b: Replica; close(): Promise<void> }> {
  clock = new FakeClock(Date.parse('2026-03-01T12:00:00Z'));
  sims = createSimulators({ clock });
  msw.use(...simulatorHandlers(sims));
  const open = await engine.fresh();
  const a = await replica(open, 'replica-a');
  const b = await replica(open, 'replica-b');
  const close = async () => {
    await a.close();
    await b.close();
  };
  return { a, b, close };
}

async function acceptBlock(r: Replica, cidr: string): Promise<Intent> {
  const now = clock.now();
  const spec = { direction: 'ingress' as const, protocol: 'all' as const, cidr };
  const intent: Intent = {
    id: `int_${cidr}`,
    runId: `run_${cidr}`,
    kind: 'deny',
    connectorId: CONNECTOR,
    targetId: TARGET,
    matchKey: matchKeyOf('deny', spec),
    spec,
    desired: 'present',
    state: 'pending',
    offenses: 1,
    createdAt: now,
    updatedAt: now,
  };
  await r.store.commit({
    runs: [{ id: intent.runId, playbook: 'block-ip', action: 'block', clientId: 'soar', status: 'accepted', inputs: { indicator: cidr }, targets: [{ connector: CONNECTOR, target: TARGET }], createdAt: now, updatedAt: now }],
    upsertIntents: [intent],
    audit: [{ action: 'run.accepted', outcome: 'success', runId: intent.runId, target: `${CONNECTOR}/${TARGET}` }],
  });
  return intent;
}

const ownedDeny = async (r: Replica) => (await (r.connectors.get(CONNECTOR) as Connector).list(TARGET)).filter((rule) => rule.owned && rule.action === 'deny').flatMap((rule) => rule.cidrs);
const stateOf = async (r: Replica, id: string) => (await r.store.intentsForTarget(CONNECTOR, TARGET)).find((i) => i.id === id)?.state;
const actions = async (r: Replica) => (await r.store.auditAfter(0, 1000)).map((e) => e.action);

/** Once, on the first matching cloud request: the clock jumps past the TTL and the other replica takes the lease. */
function loseLeaseOn(method: 'get' | 'post', path: RegExp, to: Replica): { fired: () => boolean } {
  let fired = false;
  msw.use(
    http[method](path, async () => {
      if (fired) return undefined;
      fired = true;
      clock.advance(TTL_MS + 1);
      expect(await to.leases.claim(targetLease(CONNECTOR, TARGET))).toBeDefined();
      return undefined; // on to the simulator
    }),
  );
  return { fired: () => fired };
}

describe.each(ENGINES)('$name', (engine) => {
describe('fencing: a replica that lost its lease mid-pass', () => {
  it('makes no cloud write after it lost the lease, commits nothing, and the new holder applies the block once', async () => {
    const { a, b, close } = await cluster(engine);
    try {
      const intent = await acceptBlock(a, '198.51.100.7/32');
      // A's pass reads the target, and while it does, its lease lapses and B takes it.
      const hook = loseLeaseOn('get', /\/global\/firewalls$/, b);
      await a.reconciler.schedule(CONNECTOR, TARGET);
      expect(hook.fired()).toBe(true);
      expect(sims.gcp.controls.writeCalls()).toBe(0);
      expect(await stateOf(a, intent.id)).toBe('pending');
      expect(await actions(a)).toContain('reconcile.fenced');
      expect(await actions(a)).not.toContain('reconcile.pass');

      // A can no longer even start a pass on the target; B's pass applies the block.
      await a.reconciler.schedule(CONNECTOR, TARGET);
      expect(sims.gcp.controls.writeCalls()).toBe(0);
      await b.reconciler.schedule(CONNECTOR, TARGET);
      expect(sims.gcp.controls.writeCalls()).toBeGreaterThan(0);
      expect(await stateOf(b, intent.id)).toBe('applied');
      expect(await ownedDeny(b)).toEqual(['198.51.100.7/32']);
    } finally {
      await close();
    }
  });

  it('lost between its last cloud write and the commit: the commit is refused whole, and the successor converges without a duplicate', async () => {
    const { a, b, close } = await cluster(engine);
    try {
      const intent = await acceptBlock(a, '198.51.100.9/32');
      const before = await a.store.auditHead();
      // The token is checked before the write batch; the lease is lost while the write is in flight.
      const hook = loseLeaseOn('post', /\/global\/firewalls$/, b);
      await a.reconciler.schedule(CONNECTOR, TARGET);
      expect(hook.fired()).toBe(true);
      // The pass's outcomes did not commit: the intent is still pending, no reconcile.pass was appended.
      expect(await stateOf(a, intent.id)).toBe('pending');
      const appended = (await a.store.auditAfter(before.seq, 100)).map((e) => e.action);
      expect(appended).not.toContain('reconcile.pass');
      expect(appended).toContain('reconcile.fenced');
      // B reads the rule A's write made, and settles the intent without creating a second one.
      const writes = sims.gcp.controls.writeCalls();
      await b.reconciler.schedule(CONNECTOR, TARGET);
      expect(await stateOf(b, intent.id)).toBe('applied');
      expect(await ownedDeny(b)).toEqual(['198.51.100.9/32']);
      expect(sims.gcp.controls.writeCalls()).toBe(writes);
    } finally {
      await close();
    }
  });
});

describe('lease rows', () => {
  it('take, renew (same token), refuse while held, lapse to another (token + 1), release (token + 1 at once)', async () => {
    const { a, b, close } = await cluster(engine);
    try {
      const name = targetLease(CONNECTOR, TARGET);
      const first = await a.leases.claim(name);
      expect(first).toMatchObject({ lease: name, owner: 'replica-a', token: 1, expiresAt: clock.now() + TTL_MS });
      expect(await b.leases.claim(name)).toBeUndefined();
      clock.advance(TTL_MS / 2);
      expect(await a.leases.claim(name)).toMatchObject({ token: 1, expiresAt: clock.now() + TTL_MS });
      clock.advance(TTL_MS - 1);
      expect(await b.leases.claim(name)).toBeUndefined();
      expect(a.leases.holds(name)).toBe(true);
      clock.advance(1);
      expect(a.leases.holds(name)).toBe(false);
      const second = await b.leases.claim(name);
      expect(second?.token).toBe(2);
      await expect(a.leases.assertHeld(first as NonNullable<typeof first>)).rejects.toThrow(/lease .* was lost/);
      expect(await a.leases.claim(name)).toBeUndefined();
      await b.leases.releaseAll();
      expect((await a.leases.claim(name))?.token).toBe(3);
      // A fenced commit with a stale token writes nothing at all.
      const head = await a.store.auditHead();
      await expect(
        a.store.commit({ fence: { held: second as NonNullable<typeof second>, at: clock.now() }, audit: [{ action: 'test.fenced', outcome: 'success' }] }),
      ).rejects.toThrow(/lease .* was lost/);
      expect(await a.store.auditHead()).toEqual(head);
    } finally {
      await close();
    }
  });
});
});

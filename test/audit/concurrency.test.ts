/**
 * At-least-once with no gaps: writer processes append concurrently to one SQLite file (each with its own
 * connection and cached head, so seq races are real and settled by the primary key) while pollers
 * follow Link rel="next" with small pages. Every poller must see every event, in seq order, none lost.
 * The argument for why this holds is in src/store/sql/audit-queries.ts.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/types.ts';
import { verifyStore } from '../../src/audit/verify-store.ts';
import { createPostgresStore } from '../../src/store/postgres/index.ts';
import { type TestApp, createTestApp } from '../support/app.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { auditorGet, nextPath } from './support.ts';

const WRITERS = 3;
const PER_WRITER = 300;
const root = resolve(import.meta.dirname, '../..');

let t: TestApp | undefined;
afterEach(() => {
  t?.dispose();
  t = undefined;
});

function runWriter(db: string, tag: string): Promise<string> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [join(root, 'bin/run-ts.mjs'), 'test/audit/writer-process.ts', db, tag, String(PER_WRITER)], { cwd: root });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? ok(out.trim()) : fail(new Error(`writer ${tag} exited ${code}: ${err}`))));
  });
}

async function poll(app: TestApp, done: () => boolean): Promise<AuditEvent[]> {
  const seen: AuditEvent[] = [];
  let path = '/v1/audit/events?limit=7&action=test.write';
  for (;;) {
    const finished = done(); // read before the request: a page after the writers finished is the last one needed
    const res = await auditorGet(app, path);
    expect(res.status).toBe(200);
    const { events } = (await res.json()) as { events: AuditEvent[] };
    seen.push(...events);
    path = nextPath(res);
    if (events.length === 0) {
      if (finished) return seen;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

it(`${WRITERS} writer processes × ${PER_WRITER} events, 3 pollers: every poller sees every event once, in order`, async () => {
  const app = await createTestApp();
  t = app;
  await writersAgainstPollers(app, join(app.dir, 'portcullis.db'));
  expect(await verifyStore(app.store)).toMatchObject({ ok: true, checked: WRITERS * PER_WRITER });
}, 120_000);

/**
 * The same on PostgreSQL: the writers are other replicas (processes with their own pools) on one
 * database, the pollers read through this process's API. Each commit takes the audit advisory lock,
 * reads the head and commits before the next writer can read it, so seq order is commit order.
 */
it(`PostgreSQL: ${WRITERS} writer replicas (processes) × ${PER_WRITER} events, 3 pollers: none skipped, in order`, async () => {
  const db = await createTestDatabase();
  const pg = await createPostgresStore({ url: db.url });
  const app = await createTestApp({ store: pg });
  try {
    // The app writes too while the other replicas do: its events interleave with theirs in one chain.
    const own = (async () => {
      for (let i = 0; i < 50; i++) await app.store.commit({ audit: [{ action: 'test.own', outcome: 'success', detail: { n: i } }] });
    })();
    await writersAgainstPollers(app, db.url);
    await own;
    expect(await verifyStore(app.store)).toMatchObject({ ok: true, checked: WRITERS * PER_WRITER + 50 });
  } finally {
    await pg.close();
    rmSync(app.dir, { recursive: true, force: true });
    await db.drop();
  }
}, 120_000);

async function writersAgainstPollers(app: TestApp, db: string): Promise<void> {
  let writersDone = false;
  const writers = Promise.all(Array.from({ length: WRITERS }, (_, i) => runWriter(db, `writer-${i}`))).finally(() => {
    writersDone = true;
  });
  const pollers = Promise.all([poll(app, () => writersDone), poll(app, () => writersDone), poll(app, () => writersDone)]);
  expect((await writers).sort()).toEqual(Array.from({ length: WRITERS }, (_, i) => `writer-${i}:${PER_WRITER}`));
  const results = await pollers;

  const stored = (await app.store.auditPage({ after: 0, limit: 100_000, action: 'test.write' })).rows;
  // No gap anywhere in the chain: seqs 1..head, every one present.
  const all = await app.store.auditAfter(0, 100_000);
  expect(all.map((e) => e.seq)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
  expect(stored).toHaveLength(WRITERS * PER_WRITER);
  for (const seen of results) {
    expect(seen.map((e) => e.id)).toEqual(stored.map((r) => r.id));
    const seqs = seen.map((e) => e.seq);
    expect(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] as number))).toBe(true);
  }
  // Per writer, the events arrive in the order that writer committed them.
  for (let w = 0; w < WRITERS; w++) {
    const ns = (results[0] ?? []).filter((e) => e.client_id === `writer-${w}`).map((e) => e.detail?.n);
    expect(ns).toEqual(Array.from({ length: PER_WRITER }, (_, i) => i));
  }
  expect(await verifyStore(app.store)).toMatchObject({ ok: true });
  expect(new Set(stored.map((r) => r.seq)).size).toBe(WRITERS * PER_WRITER);
}

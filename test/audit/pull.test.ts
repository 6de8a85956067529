import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/types.ts';
import { TOKENS, type TestApp, createTestApp } from '../support/app.ts';
import { readProblem } from '../edge/expect-problem.ts';
import { appendEvents, auditorGet, nextPath } from './support.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.dispose());

async function pullAll(start: string): Promise<{ events: AuditEvent[]; pages: number; last: string }> {
  const events: AuditEvent[] = [];
  let path = start;
  for (let pages = 1; ; pages++) {
    const res = await auditorGet(t, path);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { events: AuditEvent[]; next_cursor: string };
    events.push(...body.events);
    path = nextPath(res);
    if (body.events.length === 0) return { events, pages, last: path };
  }
}

describe('happy: GET /v1/audit/events', () => {
  it('pages through every event in seq order with a stable id, following Link rel="next"', async () => {
    await appendEvents(t.store, 25, 3);
    const { events, pages } = await pullAll('/v1/audit/events?limit=10');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(new Set(events.map((e) => e.id)).size).toBe(25);
    expect(pages).toBe(4);
    expect(events[0]).toMatchObject({ action: 'run.accepted', client_id: 'soar', prev_hash: '0'.repeat(64) });
  });

  it('answers an empty page with Link rel="next" at the same position, and later events appear there', async () => {
    await appendEvents(t.store, 3);
    const { last } = await pullAll('/v1/audit/events');
    const empty = await auditorGet(t, last);
    expect(((await empty.json()) as { events: unknown[] }).events).toEqual([]);
    expect(nextPath(empty)).toBe(last);
    await appendEvents(t.store, 2, 1, 3);
    const res = await auditorGet(t, nextPath(empty));
    expect(((await res.json()) as { events: AuditEvent[] }).events.map((e) => e.seq)).toEqual([4, 5]);
  });

  it('filters by client, playbook, run, target, action, outcome and time, keeping the other parameters in Link', async () => {
    // Three minutes of 8 events each (seq 1-8, 9-16, 17-24), so a time window can cut the log in three.
    const minutes: string[] = [];
    for (let m = 0; m < 3; m++) {
      minutes.push(new Date(t.clock.now()).toISOString());
      await appendEvents(t.store, 8, 1, m * 8);
      t.clock.advance(60_000);
    }
    const [first, second, third] = minutes.map(encodeURIComponent);
    const all = (await pullAll('/v1/audit/events?limit=1000')).events;
    expect(all.map((e) => e.time)).toEqual(minutes.flatMap((m) => Array(8).fill(m)));
    const seqs = (from: number, to: number) => (e: AuditEvent) => e.seq >= from && e.seq <= to;
    const cases: [string, (e: AuditEvent) => boolean][] = [
      ['client=tines', (e) => e.client_id === 'tines'],
      ['playbook=block-ip', (e) => e.playbook === 'block-ip'],
      ['run=run_2', (e) => e.run_id === 'run_2'],
      ['target=aws-prod%2Fsg-1', (e) => e.target === 'aws-prod/sg-1'],
      ['action=request.refused', (e) => e.action === 'request.refused'],
      ['outcome=failure', (e) => e.outcome === 'failure'],
      ['client=soar&outcome=success', (e) => e.client_id === 'soar' && e.outcome === 'success'],
      [`since=${first}`, seqs(1, 24)],
      [`until=${first}`, seqs(0, 0)],
      [`since=${second}`, seqs(9, 24)],
      [`until=${second}`, seqs(1, 8)],
      [`since=${second}&until=${third}`, seqs(9, 16)],
      [`since=${third}&client=tines`, (e) => e.seq >= 17 && e.client_id === 'tines'],
    ];
    for (const [query, keep] of cases) {
      const res = await auditorGet(t, `/v1/audit/events?${query}&limit=4`);
      expect(res.headers.get('link')).toContain(query.split('&')[0]);
      const { events } = await pullAll(`/v1/audit/events?${query}&limit=4`);
      expect(events.map((e) => e.seq), query).toEqual(all.filter(keep).map((e) => e.seq));
    }
  });

  it('moves the cursor past events a filter skipped, so a sparse filter does not rescan them', async () => {
    await appendEvents(t.store, 12);
    const res = await auditorGet(t, '/v1/audit/events?client=nobody');
    const again = await auditorGet(t, nextPath(res));
    expect(nextPath(again)).toBe(nextPath(res));
    expect(decodeURIComponent(nextPath(res))).not.toContain('after=a1.MA'); // not seq 0
  });

  it('streams the whole log as NDJSON, each line the event with its hashes, Link at the head', async () => {
    await appendEvents(t.store, 2_500, 50);
    const res = await auditorGet(t, '/v1/audit/events', { accept: 'application/x-ndjson' });
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as AuditEvent);
    expect(lines.map((e) => e.seq)).toEqual(Array.from({ length: 2_500 }, (_, i) => i + 1));
    expect(lines[9]?.prev_hash).toBe(lines[8]?.hash);
    const after = await auditorGet(t, `${nextPath(res)}`, { accept: 'application/x-ndjson' });
    expect(await after.text()).toBe('');
  });

  it('serves CEF lines by Accept and by ?format=, escaping the header and extension', async () => {
    await appendEvents(t.store, 2);
    for (const res of [await auditorGet(t, '/v1/audit/events', { accept: 'text/x-cef' }), await auditorGet(t, '/v1/audit/events?format=cef')]) {
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const lines = (await res.text()).trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^CEF:0\|portcullis\|portcullis\|0\.0\.0-test\|run\.accepted\|run\.accepted success\|3\|rt=\d+ externalId=[0-9a-f-]{36} cn1Label=seq cn1=1 /);
      expect(lines[0]).toContain('suser=soar');
      expect(lines[0]).toContain('"note":"x|y\\=z\\\\\\\\n"');
    }
  });
});

describe('errors: a bad cursor or filter is a 400 problem (invalid_query)', () => {
  const bad: [string, RegExp][] = [
    ['after=not-a-cursor', /after: not a cursor this API issued/],
    ['after=a1.LTE', /after: not a cursor/],
    [`after=${encodeURIComponent(btoa('7'))}`, /after: not a cursor/],
    ['limit=1001', /limit/],
    ['limit=0', /limit/],
    ['outcome=maybe', /outcome/],
    ['since=yesterday', /since: expected an ISO-8601 time/],
    ['until=2026-13-45T00:00:00Z', /until: expected an ISO-8601 time/],
    ['format=xml', /format/],
    ['clinet=soar', /clinet|Unrecognized/i],
  ];
  for (const [query, detail] of bad) {
    it(`refuses ?${query}`, async () => {
      await readProblem(await auditorGet(t, `/v1/audit/events?${query}`), { status: 400, code: 'invalid_query', detail });
    });
  }
});

describe('security', () => {
  it('refuses a token without audit:read (403) and a missing one (401)', async () => {
    await readProblem(await t.app.request('/v1/audit/events', { headers: { authorization: `Bearer ${TOKENS.reader}` } }), {
      status: 403,
      code: 'scope_denied',
      detail: /lacks the "audit:read" scope/,
    });
    expect((await t.app.request('/v1/audit/events')).status).toBe(401);
  });
});

describe('security: signed reads by the auditor', () => {
  it('answers a signed GET and refuses its replay (409 webhook_id_reused)', async () => {
    const { signedFor } = await import('../edge/calls.ts');
    const captured = signedFor(t, { method: 'GET', clientId: 'auditor' });
    expect((await t.app.request('/v1/audit/events', captured)).status).toBe(200);
    await readProblem(await t.app.request('/v1/audit/events', captured), { status: 409, code: 'webhook_id_reused', detail: /already used/ });
  });
});

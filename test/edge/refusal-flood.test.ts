/**
 * Issue 9, item 14: an unauthenticated flood cannot grow the audit log without limit. Refusals are
 * counted per source address (the connection's peer, as @hono/node-server hands it to the app):
 * over the limit an unauthenticated caller gets 429 problem+json with Retry-After; unauthenticated
 * refusals past the first few of a window are summarized in one event per source and window; signed
 * calls and their refusals are still served and audited one by one; every request event names its source.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INDIVIDUAL_PER_WINDOW } from '../../src/http/refusals.ts';
import { THINGS_PATH, type TestApp, createTestApp, thingJson } from '../support/app.ts';
import { freshId } from '../support/sign.ts';
import { signedFor } from './calls.ts';
import { readProblem } from './expect-problem.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp({ settings: { refusalsPerMinute: 20 } });
});
afterEach(() => t.dispose());

/** What @hono/node-server passes as c.env: the Node request, whose socket knows the peer. */
const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });
const unsigned = (address: string) =>
  t.app.request(THINGS_PATH, { method: 'POST', body: thingJson(), headers: { 'content-type': 'application/json' } }, from(address));

describe('security: refusals per source address', () => {
  it('2,000 unsigned calls add a bounded number of audit events: a few one by one, then one summary per window', async () => {
    const before = (await t.audit()).length;
    const statuses: Record<number, number> = {};
    for (let i = 0; i < 2000; i++) {
      const res = await unsigned('198.51.100.7');
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
    expect(statuses).toEqual({ 401: 20, 429: 1980 });
    const during = (await t.audit()).slice(before);
    expect(during.map((e) => [e.action, e.source_address, e.detail?.code])).toEqual(
      Array.from({ length: INDIVIDUAL_PER_WINDOW }, () => ['request.refused', '198.51.100.7', 'signature_missing']),
    );

    // The window ends: the next request (from anyone) writes the summary of the closed window.
    t.clock.advance(60_000);
    await unsigned('192.0.2.1');
    const summary = (await t.audit()).find((e) => e.action === 'request.refused.summary');
    expect(summary).toMatchObject({
      outcome: 'refused',
      source_address: '198.51.100.7',
      detail: {
        count: 2000 - INDIVIDUAL_PER_WINDOW,
        refusals_in_window: 2000,
        audited_individually: INDIVIDUAL_PER_WINDOW,
        codes: { signature_missing: 20 - INDIVIDUAL_PER_WINDOW, too_many_refusals: 1980 },
      },
    });
    const samples = (summary?.detail?.samples ?? []) as { request_id: string }[];
    expect(samples).toHaveLength(5);
    expect(samples[0]?.request_id).toMatch(/^req_/);
    expect((await t.audit()).length - before).toBe(INDIVIDUAL_PER_WINDOW + 1 + 1);
  });

  it('answers 429 problem+json with Retry-After counting down to the end of the window', async () => {
    for (let i = 0; i < 20; i++) expect((await unsigned('198.51.100.8')).status).toBe(401);
    t.clock.advance(15_000);
    const res = await unsigned('198.51.100.8');
    const problem = await readProblem(res, { status: 429, code: 'too_many_refusals', detail: /198\.51\.100\.8.*retry after 45 s/ });
    expect(res.headers.get('retry-after')).toBe('45');
    expect(problem.retry_after_seconds).toBe(45);
    // Another source is not affected; the limited one is served again after the window.
    expect((await unsigned('198.51.100.9')).status).toBe(401);
    t.clock.advance(45_000);
    expect((await unsigned('198.51.100.8')).status).toBe(401);
  });

  it('a signed call from a limited source is still served, and authenticated refusals are audited one by one', async () => {
    for (let i = 0; i < 25; i++) await unsigned('198.51.100.10');
    const ok = await t.app.request(THINGS_PATH, signedFor(t, { body: thingJson('through') }), from('198.51.100.10'));
    expect(ok.status).toBe(201);
    const refusedIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await t.app.request(THINGS_PATH, signedFor(t, { clientId: 'reader', id: freshId() }), from('198.51.100.10'));
      expect(res.status).toBe(403);
      refusedIds.push(((await res.json()) as { request_id: string }).request_id);
    }
    const events = await t.audit();
    for (const id of refusedIds) {
      expect(events.filter((e) => e.request_id === id).map((e) => [e.action, e.client_id, e.source_address, e.detail?.code])).toEqual([
        ['request.refused', 'reader', '198.51.100.10', 'scope_denied'],
      ]);
    }
    expect(events.find((e) => e.action === 'test.thing.created')).toMatchObject({ client_id: 'soar', source_address: '198.51.100.10' });
  });
});

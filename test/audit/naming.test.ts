/**
 * Issue 9, item 17: audit events are snake_case like the README and the rest of the API (client_id,
 * request_id, run_id, prev_hash), in every format, and the chain and checkpoints still verify, also for
 * events written before the rename.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chainHash, hashedBody } from '../../src/audit/chain.ts';
import { ChainVerifier } from '../../src/audit/verify.ts';
import { GENESIS_HASH, type AuditEvent } from '../../src/audit/types.ts';
import { checkpointHead } from '../../src/audit/checkpointer.ts';
import { type TestApp, createTestApp } from '../support/app.ts';
import { appendEvents, auditorGet, testSigner } from './support.ts';

const { signer } = await testSigner();
let t: TestApp;
beforeEach(async () => {
  t = await createTestApp({ audit: { signer } });
});
afterEach(() => t.dispose());

const SNAKE = /^[a-z][a-z0-9_]*$/;

describe('happy: one naming convention', () => {
  it('JSON and NDJSON events use snake_case keys only, with client_id, run_id, request_id and prev_hash', async () => {
    await appendEvents(t.store, 6);
    await t.store.commit({ audit: [{ action: 'run.accepted', outcome: 'success', clientId: 'soar', requestId: 'req_1', runId: 'run_9', sourceAddress: '192.0.2.5' }] });
    const json = ((await (await auditorGet(t, '/v1/audit/events')).json()) as { events: Record<string, unknown>[] }).events;
    const ndjson = (await (await auditorGet(t, '/v1/audit/events?format=ndjson')).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const events of [json, ndjson]) {
      expect(events).toHaveLength(7);
      for (const e of events) for (const key of Object.keys(e)) expect(key).toMatch(SNAKE);
      expect(events[6]).toMatchObject({ client_id: 'soar', request_id: 'req_1', run_id: 'run_9', source_address: '192.0.2.5' });
      expect(events[1]?.prev_hash).toBe(events[0]?.hash);
      expect(events[0]?.prev_hash).toBe(GENESIS_HASH);
    }
  });

  it('the chain and a signed checkpoint verify over the renamed events, online and offline', async () => {
    await appendEvents(t.store, 10);
    await checkpointHead(t.store, signer, t.clock.now(), 'on_demand');
    const report = (await (await auditorGet(t, '/v1/audit/verify')).json()) as Record<string, unknown>;
    expect(report).toMatchObject({ ok: true, checked: 10, checkpoints_matched: 1, signatures: 'verified' });
    const lines = (await (await auditorGet(t, '/v1/audit/events?format=ndjson')).text()).trim().split('\n');
    const offline = await ChainVerifier.create(await t.store.auditCheckpoints(0, 10), signer.verifier);
    for (const line of lines) expect(await offline.push(JSON.parse(line) as AuditEvent)).toBe(true);
    expect(offline.finish()).toMatchObject({ ok: true, checked: 10, checkpointsMatched: 1 });
  });

  it('an export written before the rename (camelCase, prevHash) still verifies offline', async () => {
    const legacy: Record<string, unknown>[] = [];
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= 3; seq++) {
      const body = { seq, id: crypto.randomUUID(), time: '2026-01-01T00:00:00.000Z', action: 'run.accepted', outcome: 'success', clientId: 'soar', runId: `run_${seq}` };
      const hash = await chainHash(prev, hashedBody(body));
      legacy.push({ ...body, prevHash: prev, hash });
      prev = hash;
    }
    const verifier = await ChainVerifier.create([]);
    for (const e of legacy) expect(await verifier.push(e as unknown as AuditEvent)).toBe(true);
    expect(verifier.finish()).toMatchObject({ ok: true, checked: 3 });
  });
});

import { describe, expect, it } from 'vitest';
import { chainHash, hashedBody } from '../../src/audit/chain.ts';
import { GENESIS_HASH } from '../../src/audit/types.ts';
import type { AdmitRequest, Store } from '../../src/store/types.ts';

/** One contract every Store implementation passes (SQLite on Node, D1 under workerd). */
export interface StoreHarness {
  name: string;
  /** A fresh, migrated, empty store and a way to dispose of it. `now` is the store's clock. */
  open(now: () => number): Promise<{ store: Store; close(): Promise<void> }>;
}

const base = (over: Partial<AdmitRequest> = {}): AdmitRequest => ({
  clientId: 'soar',
  webhookId: 'msg_1',
  fingerprint: 'f1',
  idempotencyKey: 'k1',
  now: 1_000_000,
  replayWindowMs: 600_000,
  idempotencyTtlMs: 86_400_000,
  inFlightLockMs: 60_000,
  ...over,
});

const response = { status: 202, headers: { 'content-type': 'application/json' }, body: '{"id":"run_1"}' };

export function runStoreContract(harness: StoreHarness): void {
  describe(`store contract: ${harness.name}`, () => {
    const t = 1_000_000;
    const withStore = async (fn: (store: Store) => Promise<void>) => {
      const { store, close } = await harness.open(() => t);
      try {
        await fn(store);
      } finally {
        await close();
      }
    };

    describe('replay guard and idempotency', () => {
      it('admits a fresh request, then answers a redelivery from the stored response', () =>
        withStore(async (store) => {
          expect(await store.admit(base())).toEqual({ kind: 'fresh' });
          await store.commit({ audit: [], complete: { clientId: 'soar', key: 'k1', response } });
          expect(await store.admit(base())).toEqual({ kind: 'replay', response });
        }));

      it('reports a second attempt while the first is in flight', () =>
        withStore(async (store) => {
          expect((await store.admit(base())).kind).toBe('fresh');
          expect((await store.admit(base())).kind).toBe('in_flight');
        }));

      it('lets exactly one of many concurrent same-key attempts run', () =>
        withStore(async (store) => {
          const results = await Promise.all(
            Array.from({ length: 8 }, (_, i) => store.admit(base({ webhookId: `msg_c${i}` }))),
          );
          expect(results.map((r) => r.kind).sort()).toEqual(['fresh', ...Array(7).fill('in_flight')]);
        }));

      it('refuses the same key with another payload', () =>
        withStore(async (store) => {
          await store.admit(base());
          await store.commit({ audit: [], complete: { clientId: 'soar', key: 'k1', response } });
          expect((await store.admit(base({ webhookId: 'msg_2', fingerprint: 'f2' }))).kind).toBe('key_mismatch');
        }));

      it('keeps keys per client', () =>
        withStore(async (store) => {
          await store.admit(base());
          expect((await store.admit(base({ clientId: 'other', webhookId: 'msg_9' }))).kind).toBe('fresh');
        }));

      it('refuses a webhook-id reused for another request and leaves no idempotency record behind', () =>
        withStore(async (store) => {
          await store.admit(base());
          const reused = await store.admit(base({ fingerprint: 'other-route', idempotencyKey: 'k2' }));
          expect(reused).toEqual({ kind: 'webhook_reused', firstSeenAt: 1_000_000 });
          // k2 was never claimed: a legitimate request with k2 is fresh.
          expect((await store.admit(base({ webhookId: 'msg_3', fingerprint: 'x', idempotencyKey: 'k2' }))).kind).toBe(
            'fresh',
          );
        }));

      it('treats a released key as never used', () =>
        withStore(async (store) => {
          await store.admit(base());
          await store.commit({ audit: [], release: { clientId: 'soar', key: 'k1' } });
          expect((await store.admit(base({ webhookId: 'msg_4' }))).kind).toBe('fresh');
        }));

      it('takes over an abandoned in-flight attempt after its lock expires', () =>
        withStore(async (store) => {
          await store.admit(base());
          expect((await store.admit(base({ webhookId: 'msg_5', now: 1_000_000 + 59_000 }))).kind).toBe('in_flight');
          expect((await store.admit(base({ webhookId: 'msg_6', now: 1_000_000 + 61_000 }))).kind).toBe('fresh');
        }));

      it('prunes expired records and replay ids outside the window, and only those', () =>
        withStore(async (store) => {
          await store.admit(base());
          await store.commit({ audit: [], complete: { clientId: 'soar', key: 'k1', response } });
          await store.admit(base({ webhookId: 'msg_late', idempotencyKey: 'k_late', now: 1_000_000 + 86_000_000 }));
          const pruned = await store.prune(1_000_000 + 86_400_000, 600_000);
          expect(pruned).toEqual({ replay: 1, idempotency: 1 });
          expect((await store.admit(base({ webhookId: 'msg_7', now: 1_000_000 + 86_400_001 }))).kind).toBe('fresh');
        }));
    });

    describe('audit append', () => {
      it('chains events: seq from 1, each prev_hash is the previous hash, hashes recompute', () =>
        withStore(async (store) => {
          expect(await store.auditHead()).toEqual({ seq: 0, hash: GENESIS_HASH });
          await store.commit({ audit: [{ action: 'a.one', outcome: 'success', clientId: 'soar' }] });
          await store.commit({
            audit: [
              { action: 'a.two', outcome: 'refused', detail: { why: 'x', n: 1 } },
              { action: 'a.three', outcome: 'failure' },
            ],
          });
          const events = await store.auditAfter(0, 10);
          expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
          expect(events.map((e) => e.action)).toEqual(['a.one', 'a.two', 'a.three']);
          let prev = GENESIS_HASH;
          for (const e of events) {
            expect(e.prev_hash).toBe(prev);
            const { prev_hash: _p, hash: _h, ...body } = e;
            expect(e.hash).toBe(await chainHash(prev, hashedBody(body)));
            prev = e.hash;
          }
          expect(await store.auditHead()).toEqual({ seq: 3, hash: prev });
          expect(new Set(events.map((e) => e.id)).size).toBe(3);
        }));

      it('keeps one gapless chain under concurrent commits', () =>
        withStore(async (store) => {
          await Promise.all(
            Array.from({ length: 25 }, (_, i) => store.commit({ audit: [{ action: `c.${i}`, outcome: 'success' }] })),
          );
          const events = await store.auditAfter(0, 100);
          expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
          for (let i = 1; i < events.length; i++) expect(events[i]?.prev_hash).toBe(events[i - 1]?.hash);
        }));

      it('commits the idempotency completion and the audit event together', () =>
        withStore(async (store) => {
          await store.admit(base());
          const [event] = await store.commit({
            audit: [{ action: 'run.accepted', outcome: 'success', runId: 'run_1' }],
            complete: { clientId: 'soar', key: 'k1', response },
          });
          expect(event?.run_id).toBe('run_1');
          expect((await store.admit(base())).kind).toBe('replay');
        }));

      it('pages with auditAfter', () =>
        withStore(async (store) => {
          for (let i = 0; i < 5; i++) await store.commit({ audit: [{ action: `p.${i}`, outcome: 'success' }] });
          expect((await store.auditAfter(2, 2)).map((e) => e.seq)).toEqual([3, 4]);
          expect(await store.auditAfter(5, 2)).toEqual([]);
        }));

      it('answers ping', () => withStore((store) => store.ping()));
    });

    describe('runs, intents and decisions', () => {
      const run = (id: string, status: 'accepted' | 'pending_approval' = 'accepted') => ({
        id, playbook: 'block-ip', action: 'block', clientId: 'soar', status, inputs: { ip: '203.0.113.7' },
        targets: [{ connector: 'aws', target: 'sg-1' }], createdAt: t, updatedAt: t,
      });
      const intent = (id: string, runId: string, expiresAt?: number) => ({
        id, runId, kind: 'deny' as const, connectorId: 'aws', targetId: 'sg-1', matchKey: 'deny:203.0.113.7/32',
        spec: { cidr: '203.0.113.7/32' }, desired: 'present' as const, state: 'pending' as const,
        ...(expiresAt !== undefined ? { expiresAt } : {}), offenses: 1, createdAt: t, updatedAt: t,
      });

      it('stores a run with its intent, re-targets the same intent, and derives the run status from outcomes', () =>
        withStore(async (store) => {
          // Millisecond timestamps past 2^31: 64-bit integers on every engine.
          const later = 1_900_000_000_000;
          await store.commit({ audit: [], runs: [run('run_1')], upsertIntents: [intent('int_1', 'run_1', later)] });
          await store.commit({ audit: [], runs: [run('run_2')], upsertIntents: [intent('int_2', 'run_2', later + 1)] });
          const [only, ...rest] = await store.intentsForTarget('aws', 'sg-1');
          expect(rest).toEqual([]);
          expect(only).toMatchObject({ id: 'int_1', runId: 'run_2', expiresAt: later + 1, state: 'pending' });
          expect(await store.targetsWithPendingWork()).toEqual([{ connectorId: 'aws', targetId: 'sg-1' }]);
          expect(await store.nextExpiry()).toBe(later + 1);
          await store.commit({ audit: [], intentOutcomes: [{ id: 'int_1', state: 'failed', error: 'capacity', retryable: false, cloud: { rule: 7 }, at: t + 1 }] });
          expect((await store.intentsByKeys([{ connectorId: 'aws', targetId: 'sg-1', matchKey: 'deny:203.0.113.7/32' }]))[0]).toMatchObject({
            state: 'failed', error: 'capacity', errorRetryable: false, cloud: { rule: 7 },
          });
          expect((await store.getRun('run_2'))?.status).toBe('failed');
          expect((await store.listRuns({ limit: 10 })).map((r) => r.id).sort()).toEqual(['run_1', 'run_2']);
          // run_1 still waited on the intent, so it ends with the pass too.
          expect((await store.listRuns({ limit: 10, status: 'failed' })).map((r) => r.id).sort()).toEqual(['run_1', 'run_2']);
          expect(await store.listRuns({ limit: 10, status: 'applied' })).toEqual([]);
          expect(await store.dueExpiries(later + 1)).toHaveLength(1);
          expect(await store.dueExpiries(later)).toHaveLength(0);
        }));

      it('records exactly one decision per run: a second one fails its whole transaction', () =>
        withStore(async (store) => {
          await store.commit({ audit: [], runs: [run('run_9', 'pending_approval')] });
          const decide = (decision: 'approved' | 'rejected', clientId: string) =>
            store.commit({
              audit: [{ action: `run.${decision}`, outcome: 'success', runId: 'run_9', clientId }],
              runDecisions: [{ runId: 'run_9', decision, clientId, at: t }],
              runStatus: [{ id: 'run_9', status: decision === 'approved' ? 'accepted' : 'rejected', at: t }],
            });
          const results = await Promise.allSettled([decide('approved', 'alice'), decide('rejected', 'bob')]);
          expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
          const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
          expect(String(failed.reason)).toMatch(/UNIQUE constraint failed: run_decisions/);
          const winner = results[0]?.status === 'fulfilled' ? 'applied' : 'rejected';
          // The winner's status (accepted with no intents reads as applied); the loser changed nothing.
          expect((await store.getRun('run_9'))?.status).toBe(winner);
          // The loser's audit event went with it: one decision event, a gapless chain.
          const events = await store.auditAfter(0, 10);
          expect(events.map((e) => e.seq)).toEqual([1]);
        }));
    });

    describe('blocks: pages in address order and address lookups from an index', () => {
      let n = 0;
      const block = (cidr: string, o: { target?: string; connector?: string; runId?: string; direction?: 'ingress' | 'egress'; expiresAt?: number } = {}) => ({
        id: `int_b${++n}`, runId: o.runId ?? 'run_b1', kind: 'deny' as const, connectorId: o.connector ?? 'aws', targetId: o.target ?? 'sg-1',
        matchKey: `deny|${o.direction ?? 'ingress'}|${cidr}`, spec: { cidr, direction: o.direction ?? 'ingress' }, desired: 'present' as const,
        state: 'pending' as const, ...(o.expiresAt !== undefined ? { expiresAt: o.expiresAt } : {}), offenses: 1, createdAt: t, updatedAt: t,
      });
      const blockRun = (id: string, clientId: string, incident?: string) => ({
        id, playbook: 'block-ip', action: 'block', clientId, status: 'accepted' as const,
        inputs: { indicators: ['x'], ...(incident ? { incident_id: incident } : {}) }, targets: [{ connector: 'aws', target: 'sg-1' }], createdAt: t, updatedAt: t,
      });
      const cidrsOf = (page: { blocks: { cidr: string; direction: string; intents: { targetId: string }[] }[] }) =>
        page.blocks.map((b) => `${b.cidr}|${b.direction}:${b.intents.map((i) => i.targetId).join(',')}`);
      const ip = (text: string) =>
        text.includes(':')
          ? { family: 'ipv6' as const, value: BigInt(`0x${text.split(':').map((g) => g.padStart(4, '0')).join('')}`) }
          : { family: 'ipv4' as const, value: text.split('.').reduce((a, o) => (a << 8n) | BigInt(o), 0n) };

      it('groups a CIDR and direction across targets, pages with a cursor that survives inserts and retractions', () =>
        withStore(async (store) => {
          await store.commit({
            audit: [],
            runs: [blockRun('run_b1', 'soar', 'INC-1')],
            upsertIntents: [
              block('203.0.113.7/32'), block('203.0.113.7/32', { target: 'sg-2' }), block('10.0.0.0/8'), block('2001:db8::/32'),
              block('198.51.100.0/24'), block('198.51.100.0/24', { direction: 'egress' }), block('9.9.9.9/32'),
            ],
          });
          // An allow and a retracted block are not blocks.
          await store.commit({ audit: [], upsertIntents: [{ ...block('192.0.2.1/32'), kind: 'allow' as const }, block('192.0.2.9/32')] });
          const [retracted] = await store.intentsByKeys([{ connectorId: 'aws', targetId: 'sg-1', matchKey: 'deny|ingress|192.0.2.9/32' }]);
          await store.commit({ audit: [], retractIntents: [{ id: retracted?.id as string, at: t }] });
          const first = await store.listBlocks({ limit: 2 });
          expect(cidrsOf(first)).toEqual(['9.9.9.9/32|ingress:sg-1', '10.0.0.0/8|ingress:sg-1']);
          expect(first.next).toBeDefined();
          // Inserted before and after the cursor while paging: the earlier one is not seen, the later one is, nothing repeats.
          await store.commit({ audit: [], upsertIntents: [block('1.1.1.1/32'), block('198.51.100.128/25')] });
          const second = await store.listBlocks({ limit: 2, after: first.next as string });
          expect(cidrsOf(second)).toEqual(['198.51.100.0/24|egress:sg-1', '198.51.100.0/24|ingress:sg-1']);
          const third = await store.listBlocks({ limit: 3, after: second.next as string });
          expect(cidrsOf(third)).toEqual(['198.51.100.128/25|ingress:sg-1', '203.0.113.7/32|ingress:sg-1,sg-2', '2001:db8::/32|ingress:sg-1']);
          expect(third.next).toBeUndefined();
          const all = await store.listBlocks({ limit: 1000 });
          expect(all.blocks).toHaveLength(8);
          expect(all.next).toBeUndefined();
        }));

      it('filters by connector, target, state, expiry, incident and client', () =>
        withStore(async (store) => {
          const soon = t + 60_000;
          await store.commit({
            audit: [],
            runs: [blockRun('run_b1', 'soar', 'INC-1'), blockRun('run_b2', 'tines')],
            upsertIntents: [
              block('203.0.113.7/32', { expiresAt: soon }), block('203.0.113.7/32', { target: 'sg-2', runId: 'run_b2', expiresAt: soon + 1 }),
              block('203.0.113.8/32', { connector: 'azure', target: 'nsg', runId: 'run_b2' }),
            ],
          });
          const [applied] = await store.intentsByKeys([{ connectorId: 'aws', targetId: 'sg-2', matchKey: 'deny|ingress|203.0.113.7/32' }]);
          await store.commit({ audit: [], intentOutcomes: [{ id: applied?.id as string, state: 'applied', at: t }] });
          const list = async (q: Omit<Parameters<Store['listBlocks']>[0], 'limit'>) => cidrsOf(await store.listBlocks({ limit: 10, ...q }));
          expect(await list({ connectorId: 'aws' })).toEqual(['203.0.113.7/32|ingress:sg-1,sg-2']);
          expect(await list({ connectorId: 'aws', targetId: 'sg-2' })).toEqual(['203.0.113.7/32|ingress:sg-2']);
          expect(await list({ targetId: 'nsg' })).toEqual(['203.0.113.8/32|ingress:nsg']);
          expect(await list({ state: 'applied' })).toEqual(['203.0.113.7/32|ingress:sg-2']);
          expect(await list({ state: 'failed' })).toEqual([]);
          expect(await list({ expiresBefore: soon + 1 })).toEqual(['203.0.113.7/32|ingress:sg-1']);
          expect(await list({ incident: 'INC-1' })).toEqual(['203.0.113.7/32|ingress:sg-1']);
          expect(await list({ incident: 'INC-2' })).toEqual([]);
          expect(await list({ clientId: 'tines' })).toEqual(['203.0.113.7/32|ingress:sg-2', '203.0.113.8/32|ingress:nsg']);
          expect(await list({ clientId: 'tines', state: 'pending' })).toEqual(['203.0.113.8/32|ingress:nsg']);
        }));

      it('finds exactly the blocks containing an IPv4 or IPv6 address, at every prefix length', () =>
        withStore(async (store) => {
          const cidrs = [
            '0.0.0.0/0', '198.51.0.0/16', '198.51.100.0/24', '198.51.100.7/32', '198.51.100.8/29', '198.51.101.0/24', '198.52.0.0/16',
            '2001:db8::/32', '2001:db8:0:1::/64', '2001:db8:0:1::7/128', '2001:db8:0:2::/64', '2001:db9::/32',
          ];
          await store.commit({ audit: [], upsertIntents: cidrs.map((c) => block(c)) });
          const containing = async (a: string) => cidrsOf(await store.listBlocks({ limit: 200, containing: ip(a) })).map((s) => s.split('|')[0]);
          expect(await containing('198.51.100.7')).toEqual(['0.0.0.0/0', '198.51.0.0/16', '198.51.100.0/24', '198.51.100.7/32']);
          expect(await containing('198.51.100.15')).toEqual(['0.0.0.0/0', '198.51.0.0/16', '198.51.100.0/24', '198.51.100.8/29']);
          expect(await containing('198.51.100.16')).toEqual(['0.0.0.0/0', '198.51.0.0/16', '198.51.100.0/24']);
          expect(await containing('198.51.255.255')).toEqual(['0.0.0.0/0', '198.51.0.0/16']);
          expect(await containing('203.0.113.1')).toEqual(['0.0.0.0/0']);
          expect(await containing('2001:db8:0:1:0:0:0:7')).toEqual(['2001:db8::/32', '2001:db8:0:1::/64', '2001:db8:0:1::7/128']);
          expect(await containing('2001:db8:0:1:ffff:ffff:ffff:ffff')).toEqual(['2001:db8::/32', '2001:db8:0:1::/64']);
          expect(await containing('2001:db8:ffff:ffff:0:0:0:0')).toEqual(['2001:db8::/32']);
          expect(await containing('2001:dba:0:0:0:0:0:0')).toEqual([]);
          // Filters and the address combine.
          expect(cidrsOf(await store.listBlocks({ limit: 10, containing: ip('198.51.100.7'), targetId: 'sg-9' }))).toEqual([]);
          const paged = await store.listBlocks({ limit: 2, containing: ip('198.51.100.7') });
          expect(cidrsOf(await store.listBlocks({ limit: 2, containing: ip('198.51.100.7'), after: paged.next as string })).map((s) => s.split('|')[0])).toEqual([
            '198.51.100.0/24', '198.51.100.7/32',
          ]);
        }));
    });

    describe('audit pull, export, checkpoints and retention', () => {
      it('filters pages, exports NDJSON in seq order, keeps checkpoints and prunes under a retention anchor', () =>
        withStore(async (store) => {
          for (let i = 1; i <= 6; i++) {
            await store.commit({ audit: [{ action: i % 2 ? 'x.odd' : 'x.even', outcome: 'success', clientId: `c${i % 3}` }] });
          }
          const page = await store.auditPage({ after: 0, limit: 2, action: 'x.odd' });
          expect(page.rows.map((r) => r.seq)).toEqual([1, 3]);
          const rest = await store.auditPage({ after: page.scannedTo, limit: 10, action: 'x.odd' });
          expect(rest.rows.map((r) => r.seq)).toEqual([5]);
          expect(rest.scannedTo).toBe(6);
          const ndjson = await store.auditNdjsonPage({ after: 1, through: 5, limit: 3 });
          expect(ndjson.count).toBe(3);
          expect(ndjson.last).toBe(4);
          const lines = ndjson.text.split('\n');
          expect(lines.pop()).toBe('');
          const events = await store.auditAfter(1, 3);
          expect(lines.map((l) => JSON.parse(l))).toEqual(events);
          expect(await store.auditHeadSeq()).toBe(6);
          const head = await store.auditHead();
          const cp = { seq: 4, hash: events[2]?.hash as string, time: 't', kind: 'periodic' as const, keyId: 'k', signature: 's' };
          await store.addAuditCheckpoint(cp);
          await store.addAuditCheckpoint({ ...cp, signature: 'other' });
          expect(await store.auditCheckpoints(0, 10)).toEqual([cp]);
          const cutoff = await store.auditRetentionCutoff('9999', 3);
          expect(cutoff?.seq).toBe(3);
          const deleted = await store.pruneAudit({ seq: 3, hash: cutoff?.hash as string, time: 't', kind: 'retention', keyId: 'k', signature: 'r' });
          expect(deleted).toBe(3);
          expect((await store.auditAfter(0, 10)).map((e) => e.seq)).toEqual([4, 5, 6]);
          expect(await store.latestAuditCheckpoint()).toMatchObject({ seq: 4 });
          expect(await store.auditHead()).toEqual(head);
        }));
    });

    describe('console sessions', () => {
      const row = { idHash: 'h1', operator: { iss: 'https://idp', sub: 'alice', roles: ['ops'] }, scopes: ['approve'], csrfToken: 'csrf', createdAt: 100, lastSeenAt: 100 };
      it('stores, touches (never backwards), deletes and prunes sessions', () =>
        withStore(async (store) => {
          await store.sessions.putSession(row);
          expect(await store.sessions.getSession('h1')).toEqual(row);
          await store.sessions.touchSession('h1', 500);
          await store.sessions.touchSession('h1', 300);
          expect((await store.sessions.getSession('h1'))?.lastSeenAt).toBe(500);
          await expect(store.sessions.putSession(row)).rejects.toThrow();
          await store.sessions.putSession({ ...row, idHash: 'h2', createdAt: 50, lastSeenAt: 50 });
          // Idle since before 400 or created before 60: h2 goes, h1 stays.
          await store.sessions.pruneSessions(400, 60, 0);
          expect(await store.sessions.getSession('h2')).toBeUndefined();
          expect(await store.sessions.getSession('h1')).toBeDefined();
          await store.sessions.deleteSession('h1');
          expect(await store.sessions.getSession('h1')).toBeUndefined();
        }));

      it('hands a pending login to exactly one taker', () =>
        withStore(async (store) => {
          const login = { stateHash: 's1', nonce: 'n', codeVerifier: 'v', browserBinding: 'b', createdAt: 100 };
          await store.sessions.putLogin(login);
          const taken = await Promise.all([store.sessions.takeLogin('s1'), store.sessions.takeLogin('s1')]);
          expect(taken.filter(Boolean)).toEqual([login]);
          await store.sessions.putLogin({ ...login, stateHash: 's2' });
          await store.sessions.pruneSessions(0, 0, 101);
          expect(await store.sessions.takeLogin('s2')).toBeUndefined();
        }));
    });
  });
}

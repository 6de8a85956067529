/**
 * The generated security suite: every entry of `signedRoutes` (as returned by buildApp, so routes the
 * lead adds are covered without editing this file) is attacked with a missing, wrong, stale and
 * future-dated signature, an unknown client, a client without the scope, and replays of its webhook-id
 * on the same and on another route; mutating routes also get an idempotent replay.
 *
 * Assumptions (read before adding a route):
 * - Authentication (signature, client, timestamp) is checked before the body is validated, so the
 *   refusal checks need no valid body: mutating routes get `{"type":"portcullis.probe"}` and path
 *   parameters `{name}` are filled with `probe`.
 * - Checks that need a call to succeed (replays, idempotent replay, strict 403) run only for routes the
 *   test app can serve: those listed in SAMPLES (a concrete path and body), and reads without path
 *   parameters. Other routes are listed as skipped: add a sample (and the services it needs) to cover them.
 * - Wrong scope: on a route without a sample the scope may depend on the path resource (the playbook of
 *   POST /v1/playbooks/{name}/runs), which is looked up first; there a 404 for the unknown `probe`
 *   resource is accepted as the refusal. Everywhere else it must be 403 scope_denied.
 * - A scope given as a function is assumed never to be `audit:read`: the wrong-scope check uses the
 *   `auditor` client (scopes: audit:read only) for it.
 * - After every refusal, the replay guard and idempotency tables are unchanged, and the same webhook-id
 *   and Idempotency-Key still work for a good call (nothing was claimed by the refused request).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SignedRouteInfo } from '../../src/app.ts';
import { DEFAULT_CLIENTS, THINGS_PATH, type TestApp, createTestApp, thingJson } from '../support/app.ts';
import { freshId, testSecret } from '../support/sign.ts';
import { sendSigned, signedFor } from './calls.ts';
import { type ExpectedProblem, expectAnyRefusal, expectRefusal } from './expect-problem.ts';

/** A concrete path and body each route accepts from the `soar` client (scopes block, runs:read), by "METHOD path". */
interface RouteSample {
  path?: string;
  body?: () => string;
  /** The client that holds the route's scope, when `soar` does not. */
  clientId?: string;
}
const SAMPLES: Record<string, RouteSample> = {
  'POST /v1/test/things': { body: () => thingJson(freshId()) },
  'POST /v1/test/other-things': { body: () => thingJson(freshId()) },
  'GET /v1/audit/events': { clientId: 'auditor' },
  'GET /v1/audit/verify': { clientId: 'auditor' },
  'GET /v1/audit/checkpoints': { clientId: 'auditor' },
};

const probeApp = await createTestApp();
const routes = probeApp.signedRoutes;
probeApp.dispose();

const concretePath = (route: SignedRouteInfo): string => route.path.replace(/\{[^}]+\}/g, 'probe');
const routeKey = (route: SignedRouteInfo): string => `${route.method.toUpperCase()} ${route.path}`;
const staticScope = (route: SignedRouteInfo): string | undefined =>
  typeof route.requirement.scope === 'string' ? route.requirement.scope : undefined;

function clientWithoutScope(route: SignedRouteInfo): string {
  const scope = staticScope(route);
  if (scope === undefined) return 'auditor';
  const client = DEFAULT_CLIENTS.find((c) => !c.scopes.includes('admin') && !c.scopes.includes(scope as never));
  if (!client) throw new Error(`no test client lacks the ${scope} scope`);
  return client.id;
}

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.dispose());

it('the suite sees every route (the real whoami and the test routes)', () => {
  expect(routes.map(routeKey)).toEqual(expect.arrayContaining(['GET /v1/whoami', 'POST /v1/test/things', 'GET /v1/test/things']));
  expect(routes.length).toBeGreaterThanOrEqual(4);
});

for (const route of routes) {
  const method = route.method.toUpperCase();
  const sample = SAMPLES[routeKey(route)] ?? (!route.requirement.mutating && !route.path.includes('{') ? {} : undefined);
  const path = sample?.path ?? concretePath(route);
  const { mutating } = route.requirement;
  const body = (): string => (mutating ? (sample?.body?.() ?? '{"type":"portcullis.probe"}') : '');
  const call = (over: Parameters<typeof signedFor>[1] = {}) =>
    signedFor(t, { method, body: body(), ...(sample?.clientId ? { clientId: sample.clientId } : {}), ...over });

  /** Sends a call expected to be refused, then proves it left nothing behind. */
  async function refused(init: ReturnType<typeof signedFor>, expected: ExpectedProblem): Promise<void> {
    const before = await t.stateRows();
    await expectRefusal(t, await t.app.request(path, init), expected);
    expect(await t.stateRows()).toEqual(before);
    const good = await sendSigned(t, THINGS_PATH, {
      id: init.headers['webhook-id'],
      idempotencyKey: init.headers['idempotency-key'],
    });
    expect(good.status).toBe(201);
    expect(good.headers.get('idempotency-replayed')).toBeNull();
  }

  describe(`security: ${routeKey(route)} (${mutating ? 'mutating' : 'read'}, scope ${staticScope(route) ?? '(computed)'})`, () => {
    const key = () => `refused-${freshId()}`;
    const ts = () => Math.floor(t.clock.now() / 1000);

    it('refuses a call without signature headers (401 signature_missing)', async () => {
      const init = call({ idempotencyKey: key(), headers: { 'webhook-timestamp': null, 'webhook-signature': null } });
      await refused(init, { status: 401, code: 'signature_missing', detail: /missing header webhook-timestamp, webhook-signature/ });
    });

    it('refuses a wrong signature (401 signature_invalid)', async () => {
      await refused(call({ idempotencyKey: key(), secret: testSecret() }), {
        status: 401,
        code: 'signature_invalid',
        detail: /no v1 signature matches/,
      });
    });

    it('refuses a stale timestamp (401 timestamp_out_of_tolerance)', async () => {
      await refused(call({ idempotencyKey: key(), timestamp: ts() - 301 }), {
        status: 401,
        code: 'timestamp_out_of_tolerance',
        detail: /301 s old; the tolerance is 300 s/,
      });
    });

    it('refuses a future timestamp (401 timestamp_out_of_tolerance)', async () => {
      await refused(call({ idempotencyKey: key(), timestamp: ts() + 301 }), {
        status: 401,
        code: 'timestamp_out_of_tolerance',
        detail: /301 s in the future/,
      });
    });

    it('refuses an unknown client (401 unknown_client)', async () => {
      await refused(call({ idempotencyKey: key(), clientId: 'ghost', secret: testSecret() }), {
        status: 401,
        code: 'unknown_client',
        detail: /no client "ghost" is configured/,
      });
    });

    it('refuses a client without the scope (403 scope_denied)', async () => {
      const client = clientWithoutScope(route);
      const scope = staticScope(route) ?? '[a-z:]+';
      const init = call({ idempotencyKey: key(), clientId: client });
      const expected = { status: 403, code: 'scope_denied', detail: new RegExp(`client "${client}" lacks the "${scope}" scope this call needs`) };
      if (sample) return refused(init, expected);
      // No sample: the path resource (`probe`) may be looked up before the scope; see the assumptions.
      const res = await t.app.request(path, init);
      if (res.status === 404) return void (await expectAnyRefusal(t, res));
      await expectRefusal(t, res, expected);
    });

    const others = routes.filter((r) => r !== route && r.requirement.mutating === mutating);
    if (mutating && sample?.body) {
      it('does not execute a redelivered message twice, and refuses its id re-signed over another body (409)', async () => {
        const captured = call();
        const first = await t.app.request(path, captured);
        expect(first.status).toBeLessThan(300);
        const again = await t.app.request(path, captured);
        expect(again.status).toBe(first.status);
        expect(again.headers.get('idempotency-replayed')).toBe('true');
        const id = captured.headers['webhook-id'] ?? '';
        await expectRefusal(t, await t.app.request(path, call({ id })), {
          status: 409,
          code: 'webhook_id_reused',
          detail: new RegExp(`webhook-id ${id} was already used`),
        });
      });

      it('answers an idempotent retry (same key and body, new webhook-id) from the stored response', async () => {
        const payload = body();
        const first = await t.app.request(path, call({ body: payload, idempotencyKey: 'sec-idem' }));
        expect(first.status).toBeLessThan(300);
        const retry = await t.app.request(path, call({ body: payload, idempotencyKey: 'sec-idem' }));
        expect(retry.status).toBe(first.status);
        expect(retry.headers.get('idempotency-replayed')).toBe('true');
        expect(await retry.text()).toBe(await first.text());
      });

      it.skipIf(others.length === 0)('refuses the captured message replayed on every other mutating route', async () => {
        const captured = call();
        expect((await t.app.request(path, captured)).status).toBeLessThan(300);
        const executed = t.things.executions;
        for (const other of others) {
          // 409 webhook_id_reused where the other route admits the call; its schema or path lookup may refuse first.
          await expectAnyRefusal(t, await t.app.request(SAMPLES[routeKey(other)]?.path ?? concretePath(other), captured));
        }
        expect(t.things.executions).toBe(executed);
      });
    } else if (!sample) {
      it.skip(`replay checks need a sample: add "${routeKey(route)}" to SAMPLES`, () => {});
    } else {
      it('answers a signed read (the precondition of the replay checks below)', async () => {
        expect((await t.app.request(path, call())).status).toBe(200);
      });

      it('refuses a replayed signed read on the same route (409 webhook_id_reused)', async () => {
        const captured = call();
        expect((await t.app.request(path, captured)).status).toBe(200);
        await expectRefusal(t, await t.app.request(path, captured), { status: 409, code: 'webhook_id_reused', detail: /already used/ });
      });

      (others.length === 0 ? it.skip : it)('refuses a signed read replayed on every other read route (409)', async () => {
        const captured = call();
        expect((await t.app.request(path, captured)).status).toBe(200);
        for (const other of others) {
          const res = await t.app.request(SAMPLES[routeKey(other)]?.path ?? concretePath(other), captured);
          // 409 webhook_id_reused, or 403 first where the test client lacks that route's scope: refused either way.
          expect([403, 409]).toContain(res.status);
        }
      });
    }
  });
}

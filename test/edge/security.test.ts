/**
 * The generated security suite: every entry of `signedRoutes` (as returned by buildApp, so routes the
 * lead adds are covered without editing this file) is attacked with a missing, wrong, stale and
 * future-dated signature, an unknown client, a client without the scope, and replays of its webhook-id
 * on the same and on every other route; mutating routes also get an idempotent replay.
 *
 * The app is the real one with real playbooks, connectors (their SDKs answered by the three clouds'
 * simulators through msw), policy, reconciler and audit signer, plus the test routes. Each route has a
 * sample (security-samples.ts) that sets up what it needs (a run to read, approve or reject); a route
 * without one fails the suite.
 *
 * Assumptions (read before adding a route):
 * - Authentication (signature, client, timestamp) and the scope are checked before the body is
 *   validated and before any path resource is looked up.
 * - A captured signed message replayed on another route is refused as a replay (409 webhook_id_reused)
 *   wherever its client holds that route's scope, and 403 scope_denied where it does not; path
 *   parameters take the captured call's values (an approve of run X is replayed on reject of run X).
 * - After every refusal, the replay guard and idempotency tables are unchanged, and the same webhook-id
 *   and Idempotency-Key still work for a good call (nothing was claimed by the refused request).
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SignedRouteInfo } from '../../src/http/route.ts';
import { testSigner } from '../audit/support.ts';
import { THINGS_PATH, type TestApp, createTestApp } from '../support/app.ts';
import { createSimulators, simulatorHandlers } from '../support/e2e.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { RUNTIME_CLIENTS, RUNTIME_ENV, simulatedRuntime } from '../support/runtime.ts';
import { testSecret } from '../support/sign.ts';
import { sendSigned, signedFor } from './calls.ts';
import { type ExpectedProblem, expectRefusal } from './expect-problem.ts';
import { type PreparedCall, type RouteSample, SAMPLES, fillPath, prepare } from './security-samples.ts';

/** Routes served without authentication: health probes and the API description. */
const PUBLIC_ROUTES = ['GET /healthz', 'GET /readyz', 'GET /openapi.json', 'GET /docs'];

const msw = setupServer();
beforeAll(() => msw.listen({ onUnhandledFrame: 'error' }));
afterAll(() => msw.close());

const { signer } = await testSigner();
async function createSecurityApp(): Promise<TestApp> {
  const clock = new FakeClock(Date.parse('2026-03-01T12:00:00Z'));
  msw.resetHandlers(...simulatorHandlers(createSimulators({ clock })));
  return createTestApp({ clock, clients: RUNTIME_CLIENTS, env: RUNTIME_ENV, runtime: simulatedRuntime, audit: { signer } });
}

const probeApp = await createSecurityApp();
const routes = probeApp.signedRoutes;
const registered = probeApp.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`);
probeApp.dispose();

const routeKey = (route: SignedRouteInfo): string => `${route.method.toUpperCase()} ${route.path}`;
/** The route's scope; a computed one (a run's is its playbook's) is the one its sample's call needs. */
const scopeOf = (route: SignedRouteInfo): string =>
  typeof route.requirement.scope === 'string' ? route.requirement.scope : (SAMPLES[routeKey(route)]?.scope ?? '(computed)');
const holds = (clientId: string, scope: string): boolean => {
  const scopes: readonly string[] = RUNTIME_CLIENTS.find((c) => c.id === clientId)?.scopes ?? [];
  return scopes.includes('admin') || scopes.includes(scope);
};

function clientWithoutScope(route: SignedRouteInfo): string {
  const client = RUNTIME_CLIENTS.find((c) => !holds(c.id, scopeOf(route)));
  if (!client) throw new Error(`no test client lacks the ${scopeOf(route)} scope`);
  return client.id;
}

const reused = (id: string): ExpectedProblem => ({ status: 409, code: 'webhook_id_reused', detail: new RegExp(`webhook-id ${id} was already used`) });
const denied = (clientId: string, scope: string): ExpectedProblem => ({
  status: 403,
  code: 'scope_denied',
  detail: new RegExp(`client "${clientId}" lacks the "${scope}" scope this call needs`),
});

let t: TestApp;
beforeEach(async () => {
  t = await createSecurityApp();
});
afterEach(async () => {
  await t.services.runtime?.reconciler.idle();
  t.dispose();
});

/** Audit events recording an effect (all but the edge's request.* records), once background passes are done. */
async function effects(): Promise<number> {
  await t.services.runtime?.reconciler.idle();
  return (await t.audit()).filter((e) => !e.action.startsWith('request.')).length;
}

interface ReplayTarget {
  route: string;
  path: string;
  expected: ExpectedProblem;
}
interface ReplayOutcome {
  target: ReplayTarget;
  status: number;
  problem: { code?: string; detail?: string; request_id?: string };
}

/** Sends one captured message to each route (assertions come after, so effects can be checked first). */
async function replayOn(targets: ReplayTarget[], init: RequestInit): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = [];
  for (const target of targets) {
    const res = await t.app.request(target.path, init);
    outcomes.push({ target, status: res.status, problem: (await res.json()) as ReplayOutcome['problem'] });
  }
  return outcomes;
}

/**
 * Every refusal is audited once with its code, and matches the expected one; compared in one table,
 * so a failure names all the routes that answer wrongly.
 */
async function expectRefusals(outcomes: ReplayOutcome[]): Promise<void> {
  const audit = await t.audit();
  for (const { problem } of outcomes) {
    const events = audit.filter((e) => e.request_id === problem.request_id).map((e) => [e.action, e.detail?.code]);
    expect(events).toEqual([['request.refused', problem.code]]);
  }
  const row = (route: string, status: number, code: string | undefined) => `${route} → ${status} ${code}`;
  const seen = outcomes.map(({ target, status, problem }) => {
    const detailOk = target.expected.detail.test(problem.detail ?? '');
    return `${row(target.route, status, problem.code)}${detailOk ? '' : ` (detail: ${problem.detail})`}`;
  });
  expect(seen).toEqual(outcomes.map(({ target }) => row(target.route, target.expected.status, target.expected.code)));
}

it('the suite sees every route the app registers: each is signed, or explicitly public', () => {
  const signed = routes.map((r) => `${r.method.toUpperCase()} ${r.path.replace(/\{([^}]+)\}/g, ':$1')}`);
  expect(new Set(signed).size).toBe(signed.length);
  expect([...new Set(registered)].sort()).toEqual([...signed, ...PUBLIC_ROUTES].sort());
});

for (const route of routes) {
  const method = route.method.toUpperCase();
  const { mutating } = route.requirement;
  const sample: RouteSample | undefined = SAMPLES[routeKey(route)];
  // Without a sample the refusal checks still run (they need no valid call); the replay checks fail below.
  const fallback: RouteSample = mutating ? { body: () => '{"type":"portcullis.probe"}' } : {};
  const clientId = sample?.clientId ?? 'soar';
  let prepared: PreparedCall;
  const call = (over: Parameters<typeof signedFor>[1] = {}) =>
    signedFor(t, { method, body: mutating ? prepared.body() : '', clientId, ...over });

  /** Sends a call expected to be refused, then proves it left nothing behind. */
  async function refused(init: ReturnType<typeof signedFor>, expected: ExpectedProblem): Promise<void> {
    const before = await t.stateRows();
    await expectRefusal(t, await t.app.request(prepared.path, init), expected);
    expect(await t.stateRows()).toEqual(before);
    const good = await sendSigned(t, THINGS_PATH, {
      id: init.headers['webhook-id'],
      idempotencyKey: init.headers['idempotency-key'],
    });
    expect(good.status).toBe(201);
    expect(good.headers.get('idempotency-replayed')).toBeNull();
  }

  describe(`security: ${routeKey(route)} (${mutating ? 'mutating' : 'read'}, scope ${scopeOf(route)})`, () => {
    const key = () => `refused-${crypto.randomUUID()}`;
    const ts = () => Math.floor(t.clock.now() / 1000);
    beforeEach(async () => {
      prepared = await prepare(t, route.path, sample ?? fallback);
    });

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
      await refused(call({ idempotencyKey: key(), clientId: client }), denied(client, scopeOf(route)));
    });

    it('has a sample, so the replay checks below can make a call succeed', () => {
      expect(sample, `add "${routeKey(route)}" to SAMPLES in test/edge/security-samples.ts`).toBeDefined();
    });
    if (!sample) return;

    const others = routes.filter((r) => r !== route && r.requirement.mutating === mutating);
    /** Where a replay of this route's captured message is tried on another route. */
    const targetsFor = (id: string): ReplayTarget[] =>
      others.map((other) => ({
        route: routeKey(other),
        path: SAMPLES[routeKey(other)]?.path ?? fillPath(other.path, prepared.params),
        expected: holds(clientId, scopeOf(other)) ? reused(id) : denied(clientId, scopeOf(other)),
      }));

    if (mutating) {
      it(`answers a good call (${sample.status}), and a redelivery from the stored response without executing again`, async () => {
        const captured = call();
        const first = await t.app.request(prepared.path, captured);
        const firstText = await first.text();
        expect({ status: first.status, body: firstText }).toMatchObject({ status: sample.status });
        const done = await effects();
        const again = await t.app.request(prepared.path, captured);
        expect(again.status).toBe(sample.status);
        expect(again.headers.get('idempotency-replayed')).toBe('true');
        expect(await again.text()).toBe(firstText);
        expect(await effects()).toBe(done);
      });

      it('refuses its webhook-id re-signed over another body (409 webhook_id_reused)', async () => {
        const captured = call();
        expect((await t.app.request(prepared.path, captured)).status).toBe(sample.status);
        const done = await effects();
        const id = captured.headers['webhook-id'] ?? '';
        await expectRefusal(t, await t.app.request(prepared.path, call({ id })), reused(id));
        expect(await effects()).toBe(done);
      });

      it('answers an idempotent retry (same key and body, new webhook-id) from the stored response', async () => {
        const payload = prepared.body();
        const first = await t.app.request(prepared.path, call({ body: payload, idempotencyKey: 'sec-idem' }));
        const firstText = await first.text();
        expect({ status: first.status, body: firstText }).toMatchObject({ status: sample.status });
        const done = await effects();
        const retry = await t.app.request(prepared.path, call({ body: payload, idempotencyKey: 'sec-idem' }));
        expect(retry.status).toBe(sample.status);
        expect(retry.headers.get('idempotency-replayed')).toBe('true');
        expect(await retry.text()).toBe(firstText);
        expect(await effects()).toBe(done);
      });

      it('refuses the captured message replayed on every other mutating route (409, or 403 without the scope)', async () => {
        const captured = call();
        expect((await t.app.request(prepared.path, captured)).status).toBe(sample.status);
        const done = await effects();
        const outcomes = await replayOn(targetsFor(captured.headers['webhook-id'] ?? ''), captured);
        expect(await effects(), 'a replayed message executed on another route').toBe(done);
        await expectRefusals(outcomes);
      });
    } else {
      it('answers a signed read (the precondition of the replay checks below)', async () => {
        const res = await t.app.request(prepared.path, call());
        expect({ status: res.status, body: await res.text() }).toMatchObject({ status: 200 });
      });

      it('refuses a replayed signed read on the same route (409 webhook_id_reused)', async () => {
        const captured = call();
        expect((await t.app.request(prepared.path, captured)).status).toBe(200);
        await expectRefusal(t, await t.app.request(prepared.path, captured), reused(captured.headers['webhook-id'] ?? ''));
      });

      it('refuses a signed read replayed on every other read route (409, or 403 without the scope)', async () => {
        const captured = call();
        expect((await t.app.request(prepared.path, captured)).status).toBe(200);
        await expectRefusals(await replayOn(targetsFor(captured.headers['webhook-id'] ?? ''), captured));
      });
    }
  });
}

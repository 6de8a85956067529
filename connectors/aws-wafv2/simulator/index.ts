import type { Simulator, SimulatorControls, SimulatorOptions } from '../../../src/connectors/simulator.ts';
import { FaultSwitches, realClock, seededRandom, TokenBuckets } from '../../../src/connectors/simulator-faults.ts';
import { type Body, defaultQuotas, type OpHandler, type WafQuotas } from './context.ts';
import { faults, WafFault } from './faults.ts';
import { ipSetOps } from './ip-sets.ts';
import { addForeignRule, deleteOutOfBand, touchIpSet } from './out-of-band.ts';
import { isMutating, WRITE_BUCKET } from './rate-limits.ts';
import { seedState, WAF_SIM_REGION } from './seed.ts';
import { nextUuid, SCOPES, type WafState } from './state.ts';
import { tagOps, webAclOps } from './web-acls.ts';

/** The JSON 1.1 target prefix of WAFV2 (X-Amz-Target: AWSWAF_20190729.<Action>). */
export const TARGET_PREFIX = 'AWSWAF_20190729.';
const JSON_11 = 'application/x-amz-json-1.1';

export interface WafSimulatorOptions extends SimulatorOptions {
  /**
   * Milliseconds after CreateIPSet before UpdateWebACL may reference the set; earlier references get
   * WAFUnavailableEntityException, as the service answers while a new entity propagates (default 0).
   */
  propagationMs?: number;
  /** Actions answered with AccessDeniedException (to exercise `check()` and least privilege). */
  deniedActions?: string[];
  region?: string;
}

/** The WAF simulator: the Simulator contract plus hooks this connector's own tests use. */
export interface WafSimulator extends Simulator {
  state: WafState;
  quotas: WafQuotas;
  /** Every action received, in order. */
  actions: string[];
  controls: WafSimulatorControls;
}

export interface WafSimulatorControls extends SimulatorControls {
  /**
   * The next `count` UpdateIPSet / UpdateWebACL calls meet a concurrent edit: the entity changes between
   * the caller's read and its write, so the LockToken it sends is stale (WAFOptimisticLockException).
   */
  conflictNext(count: number): void;
  setQuotas(quotas: Partial<WafQuotas>): void;
  denyActions(actions: string[]): void;
}

const handlers: Record<string, OpHandler> = { ...ipSetOps, ...webAclOps, ...tagOps };

function isWafState(value: unknown): value is WafState {
  return typeof value === 'object' && value !== null && 'ipSets' in value && 'webAcls' in value;
}

export function createWafSimulator(options: WafSimulatorOptions = {}): WafSimulator {
  const clock = options.clock ?? realClock;
  const state = isWafState(options.seedState) ? options.seedState : seedState(options.region ?? WAF_SIM_REGION);
  const quotas: WafQuotas = { ...defaultQuotas };
  const setQuotas = (values: Record<string, number | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (!(name in quotas)) throw new Error(`unknown WAF simulator quota "${name}" (known: ${Object.keys(quotas).join(', ')})`);
      if (value !== undefined) quotas[name as keyof WafQuotas] = value;
    }
  };
  setQuotas(options.quotas ?? {});
  const buckets = new TokenBuckets(() => clock.now(), WRITE_BUCKET.capacity, WRITE_BUCKET.refillPerSecond);
  const switches = new FaultSwitches({
    latencyMs: options.latencyMs,
    errorRate: options.errorRate,
    random: seededRandom(options.seed ?? 1),
    failStatus: 500,
    randomFailStatus: 503,
  });
  const denied = new Set(options.deniedActions ?? []);
  const actions: string[] = [];
  let writes = 0;
  let throttled = 0;
  let conflicts = 0;
  let requests = 0;

  /** Faults in the order a real request meets them: edge, auth, throttling, authorization, the API. */
  function answer(action: string, body: Body, authorized: boolean): Record<string, unknown> {
    const handler = handlers[action];
    if (!handler) throw faults.unknownOperation(`${TARGET_PREFIX}${action}`);
    const mutating = isMutating(action);
    if (mutating) writes++;
    const failure = switches.takeFailure();
    if (failure !== undefined) throw faults.internal(failure);
    if (!authorized) throw faults.missingAuth();
    if (mutating && switches.takeThrottle()) throw faults.throttled();
    if (mutating && options.writeRateLimits && !buckets.take(action)) throw faults.throttled();
    if (denied.has(action)) throw faults.accessDenied(action);
    if ((action === 'UpdateIPSet' || action === 'UpdateWebACL') && conflicts > 0 && typeof body.Id === 'string') {
      conflicts--;
      for (const scope of SCOPES) {
        const set = state.ipSets[scope].get(body.Id);
        if (set) touchIpSet(state, set.ARN);
        const acl = state.webAcls[scope].get(body.Id);
        if (acl) acl.LockToken = nextUuid(state);
      }
    }
    return handler({ state, quotas, body, now: clock.now(), propagationMs: options.propagationMs ?? 0 });
  }

  async function fetch(request: Request): Promise<Response> {
    await switches.delay(clock);
    requests++;
    const requestId = `7a3f0c00-0000-4000-8000-${requests.toString(16).padStart(12, '0')}`;
    const headers: Record<string, string> = { 'content-type': JSON_11, 'x-amzn-requestid': requestId };
    const target = request.headers.get('x-amz-target') ?? '';
    const action = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    actions.push(action || target);
    try {
      if (request.method !== 'POST' || !action) throw faults.unknownOperation(target);
      const text = await request.text();
      let body: Body;
      try {
        body = text ? (JSON.parse(text) as Body) : {};
      } catch {
        throw new WafFault('SerializationException', 'Start of structure or map found where not expected');
      }
      const result = answer(action, body, request.headers.has('authorization'));
      return new Response(JSON.stringify(result), { status: 200, headers });
    } catch (error) {
      const fault = error instanceof WafFault ? error : faults.internal(500);
      if (fault.code === 'ThrottlingException') throttled++;
      return new Response(JSON.stringify({ __type: fault.code, Message: fault.message, ...fault.extra }), { status: fault.status, headers });
    }
  }

  const controls: WafSimulatorControls = {
    throttleNext: (count, retryAfterSeconds) => switches.throttleNext(count, retryAfterSeconds),
    failNext: (count, status) => switches.failNext(count, status),
    // WAF answers every write synchronously: no long-running operation to slow.
    slowOperations: () => {},
    writeCalls: () => writes,
    throttledCalls: () => throttled,
    addForeignRule: async (resource, rule) => addForeignRule(state, resource, rule),
    deleteOutOfBand: async (resource, cloudId) => deleteOutOfBand(state, resource, cloudId),
    // WAF has no notion of a host: nothing to quarantine.
    hostState: () => null,
    conflictNext: (count) => {
      conflicts = count;
    },
    setQuotas,
    denyActions: (list) => {
      for (const action of list) denied.add(action);
    },
  };

  return { fetch, origins: [`https://wafv2.${state.region}.amazonaws.com`], controls, state, quotas, actions };
}

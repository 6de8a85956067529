import type { Simulator, SimulatorControls, SimulatorOptions } from '../../../src/connectors/simulator.ts';
import { FaultSwitches, realClock, seededRandom, TokenBuckets } from '../../../src/connectors/simulator-faults.ts';
import { defaultQuotas, type Ec2Quotas, type OpHandler } from './context.ts';
import { Ec2Fault, faults } from './faults.ts';
import { eniOps } from './eni-ops.ts';
import { naclOps } from './nacl-ops.ts';
import { addForeignRule, deleteOutOfBand, hostState } from './out-of-band.ts';
import { QueryParams } from './query.ts';
import { isMutating, MUTATING_BUCKET } from './rate-limits.ts';
import { seedState } from './seed.ts';
import { sgRuleOps } from './sg-rule-ops.ts';
import { sgOps } from './sg-ops.ts';
import type { Ec2State } from './state.ts';
import { errorXml, successXml } from './xml.ts';

export interface Ec2SimulatorOptions extends SimulatorOptions {
  /** Actions answered with 403 UnauthorizedOperation (DryRun included), to exercise `check()`. */
  deniedActions?: string[];
  /** Region whose default endpoint the simulator claims (default us-east-1). */
  region?: string;
  /**
   * Behave like an emulator that ignores `DryRun` (the call is carried out), to prove that `check()`
   * can never change a live block even against such an endpoint.
   */
  ignoreDryRun?: boolean;
}

/** The EC2 simulator: the Simulator contract plus inspection hooks used by this connector's own tests. */
export interface Ec2Simulator extends Simulator {
  state: Ec2State;
  quotas: Ec2Quotas;
  /** Every action received, in order (DryRun calls suffixed with " (dry run)"). */
  actions: string[];
  denyActions(actions: string[]): void;
  /**
   * The next `count` mutating calls take effect but their response is lost (a 500 comes back): the case
   * where a retried create meets its own earlier success (InvalidPermission.Duplicate, NetworkAclEntryAlreadyExists).
   */
  loseNextResponses(count: number): void;
}

const handlers: Record<string, OpHandler> = { ...naclOps, ...sgOps, ...sgRuleOps, ...eniOps };

function isEc2State(value: unknown): value is Ec2State {
  return typeof value === 'object' && value !== null && 'networkAcls' in value && value.networkAcls instanceof Map;
}

export function createEc2Simulator(options: Ec2SimulatorOptions = {}): Ec2Simulator {
  const clock = options.clock ?? realClock;
  const state = isEc2State(options.seedState) ? options.seedState : seedState();
  const quotas: Ec2Quotas = { ...defaultQuotas };
  for (const [name, value] of Object.entries(options.quotas ?? {})) {
    if (!(name in quotas)) throw new Error(`unknown EC2 simulator quota "${name}" (known: ${Object.keys(quotas).join(', ')})`);
    quotas[name as keyof Ec2Quotas] = value;
  }
  const buckets = new TokenBuckets(() => clock.now(), MUTATING_BUCKET.capacity, MUTATING_BUCKET.refillPerSecond);
  // EC2 answers failNext with 500 InternalError; errorRate draws 503 Unavailable (the overloaded case).
  const switches = new FaultSwitches({
    latencyMs: options.latencyMs,
    errorRate: options.errorRate,
    random: seededRandom(options.seed ?? 1),
    failStatus: 500,
    randomFailStatus: 503,
  });
  const denied = new Set(options.deniedActions ?? []);
  const actions: string[] = [];
  const region = options.region ?? state.region;
  let writes = 0;
  let lostResponses = 0;
  let throttled = 0;
  let requests = 0;

  /** Runs the injected faults in the order a real request meets them: edge, auth, throttling, the API itself. */
  function answer(action: string, params: QueryParams, authorized: boolean): Record<string, unknown> {
    const handler = handlers[action];
    if (!handler) throw faults.invalidAction(action);
    const dryRun = params.bool('DryRun') && !options.ignoreDryRun;
    const mutating = isMutating(action);
    if (mutating && !dryRun) writes++;
    const failure = switches.takeFailure();
    if (failure !== undefined) throw faults.internal(failure);
    if (!authorized) throw faults.authFailure();
    const throttle = mutating ? switches.takeThrottle() : undefined;
    if (throttle) throw faults.throttled(throttle.retryAfterSeconds);
    if (mutating && options.writeRateLimits && !buckets.take(action)) throw faults.throttled();
    if (denied.has(action)) throw faults.unauthorized();
    const result = handler({
      state,
      params,
      quotas,
      gate: () => {
        if (dryRun) throw faults.dryRun();
      },
    });
    if (mutating && !dryRun && lostResponses > 0) {
      lostResponses--;
      throw faults.internal(500);
    }
    return result;
  }

  async function fetch(request: Request): Promise<Response> {
    await switches.delay(clock);
    requests++;
    const requestId = `5e1a7c00-0000-4000-8000-${requests.toString(16).padStart(12, '0')}`;
    const body = request.method === 'POST' ? await request.text() : new URL(request.url).search.slice(1);
    const params = QueryParams.parse(body);
    const action = params.get('Action') ?? '';
    actions.push(params.bool('DryRun') ? `${action} (dry run)` : action);
    const headers: Record<string, string> = { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId };
    try {
      const result = answer(action, params, request.headers.has('authorization'));
      return new Response(successXml(action, requestId, result as Parameters<typeof successXml>[2]), { status: 200, headers });
    } catch (error) {
      const fault = error instanceof Ec2Fault ? error : faults.internal(500);
      if (fault.code === 'RequestLimitExceeded') throttled++;
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      return new Response(errorXml(fault.code, fault.message, requestId), { status: fault.status, headers });
    }
  }

  const controls: SimulatorControls = {
    throttleNext: (count, retryAfterSeconds) => switches.throttleNext(count, retryAfterSeconds),
    failNext: (count, status) => switches.failNext(count, status),
    // EC2 security group and network ACL calls are synchronous: there is no long-running operation to slow.
    slowOperations: () => {},
    writeCalls: () => writes,
    throttledCalls: () => throttled,
    addForeignRule: async (resource, rule) => addForeignRule(state, quotas, resource, rule),
    deleteOutOfBand: async (resource, cloudId) => deleteOutOfBand(state, resource, cloudId),
    hostState: (host) => hostState(state, host),
  };

  return {
    fetch,
    origins: [`https://ec2.${region}.amazonaws.com`],
    controls,
    state,
    quotas,
    actions,
    loseNextResponses: (count) => {
      lostResponses = count;
    },
    denyActions: (list) => {
      for (const action of list) denied.add(action);
    },
  };
}

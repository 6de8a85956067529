import type { Simulator, SimulatorControls, SimulatorOptions } from '../../../src/connectors/simulator.ts';
import { FaultSwitches, realClock, seededRandom, TokenBuckets } from '../../../src/connectors/simulator-faults.ts';
import { faults, NfwFault } from './faults.ts';
import { handlers, MUTATING, findRuleGroup, type Input } from './ops.ts';
import { addForeignRule, deleteOutOfBand, touch } from './out-of-band.ts';
import { seedState } from './seed.ts';
import type { NfwState, SimRuleGroup } from './state.ts';

/** The JSON 1.0 target prefix of every Network Firewall operation (service model 2020-11-12). */
export const TARGET_PREFIX = 'NetworkFirewall_20201112.';

/**
 * Write-rate limit: AWS publishes no per-operation rate for Network Firewall, so the simulator assumes a
 * conservative token bucket per account and region (5 writes at once, 1 more per second) when
 * `writeRateLimits` is on; lower or raise it with the `writeBurst` / `writesPerSecond` quotas.
 */
export const defaultQuotas = { ruleGroupCapacity: 2_000, writeBurst: 5, writesPerSecond: 1 };
export type NfwQuotas = typeof defaultQuotas;

export interface NfwSimulatorOptions extends SimulatorOptions {
  /** Operations answered with AccessDeniedException (to exercise `check`). */
  deniedActions?: string[];
}

/** The Network Firewall simulator: the Simulator contract plus hooks this connector's own tests use. */
export interface NfwSimulator extends Simulator {
  state: NfwState;
  /** Every operation received, in order (DryRun updates suffixed " (dry run)"). */
  operations: string[];
  /**
   * The next `count` UpdateRuleGroup calls meet a concurrent writer: the group changes just before each
   * arrives (its token moves on; `change`, when given, is what that writer did to the group).
   */
  raceNextUpdates(count: number, change?: (group: SimRuleGroup) => void): void;
  /** The next `count` writes take effect but their answer is lost (a 500 comes back). */
  loseNextResponses(count: number): void;
  denyActions(operations: string[]): void;
}

function isNfwState(value: unknown): value is NfwState {
  return typeof value === 'object' && value !== null && 'ruleGroups' in value && value.ruleGroups instanceof Map;
}

export function createNfwSimulator(options: NfwSimulatorOptions = {}): NfwSimulator {
  const clock = options.clock ?? realClock;
  const quotas: NfwQuotas = { ...defaultQuotas };
  for (const [name, value] of Object.entries(options.quotas ?? {})) {
    if (!(name in quotas)) throw new Error(`unknown Network Firewall simulator quota "${name}" (known: ${Object.keys(quotas).join(', ')})`);
    quotas[name as keyof NfwQuotas] = value;
  }
  const state = isNfwState(options.seedState) ? options.seedState : seedState({ capacity: quotas.ruleGroupCapacity, now: clock.now() });
  const buckets = new TokenBuckets(() => clock.now(), quotas.writeBurst, quotas.writesPerSecond);
  const switches = new FaultSwitches({
    latencyMs: options.latencyMs,
    errorRate: options.errorRate,
    random: seededRandom(options.seed ?? 1),
    failStatus: 500,
    randomFailStatus: 503,
  });
  const denied = new Set(options.deniedActions ?? []);
  const operations: string[] = [];
  let writes = 0;
  let throttled = 0;
  let requests = 0;
  let races = 0;
  let raceChange: ((group: SimRuleGroup) => void) | undefined;
  let lost = 0;

  /** The faults in the order a real request meets them: edge, auth, throttling, authorization, the API itself. */
  function answer(operation: string, input: Input, authorized: boolean): Record<string, unknown> {
    const handler = handlers[operation];
    if (!handler) throw faults.unknownOperation(`${TARGET_PREFIX}${operation}`);
    const dryRun = input.DryRun === true;
    const mutating = MUTATING.has(operation) && !dryRun;
    if (mutating) writes++;
    const failure = switches.takeFailure();
    if (failure !== undefined) throw faults.internal(failure);
    if (!authorized) throw faults.missingAuth();
    const throttle = MUTATING.has(operation) ? switches.takeThrottle() : undefined;
    if (throttle) throw faults.throttled(throttle.retryAfterSeconds);
    if (mutating && options.writeRateLimits && !buckets.take('writes')) throw faults.throttled();
    if (denied.has(operation)) throw faults.accessDenied(operation, String(input.RuleGroupArn ?? input.FirewallPolicyArn ?? input.ResourceArn ?? '*'));
    if (operation === 'UpdateRuleGroup' && !dryRun && races > 0) {
      races--;
      const group = findRuleGroup(input, state);
      raceChange?.(group);
      touch(group, clock.now());
    }
    const result = handler(input, { state, now: clock.now() });
    if (mutating && lost > 0) {
      lost--;
      throw faults.internal(500);
    }
    return result;
  }

  async function fetch(request: Request): Promise<Response> {
    await switches.delay(clock);
    requests++;
    const requestId = `6f2b8d00-0000-4000-8000-${requests.toString(16).padStart(12, '0')}`;
    const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId };
    const target = request.headers.get('x-amz-target') ?? '';
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    try {
      if (request.method !== 'POST') throw faults.unknownOperation(target || request.method);
      let input: Input;
      try {
        const text = await request.text();
        const parsed: unknown = text ? JSON.parse(text) : {};
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        input = parsed as Input;
      } catch {
        throw new NfwFault('SerializationException', 'the request body is not a JSON object', 400);
      }
      operations.push(input.DryRun === true ? `${operation} (dry run)` : operation);
      const result = answer(operation, input, request.headers.has('authorization'));
      return new Response(JSON.stringify(result), { status: 200, headers });
    } catch (error) {
      const fault = error instanceof NfwFault ? error : faults.internal(500);
      if (fault.code === 'ThrottlingException') throttled++;
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      headers['x-amzn-errortype'] = fault.code;
      return new Response(JSON.stringify({ __type: fault.code, Message: fault.message }), { status: fault.status, headers });
    }
  }

  const controls: SimulatorControls = {
    throttleNext: (count, retryAfterSeconds) => switches.throttleNext(count, retryAfterSeconds),
    failNext: (count, status) => switches.failNext(count, status),
    // UpdateRuleGroup is synchronous: the group is updated when the call answers.
    slowOperations: () => {},
    writeCalls: () => writes,
    throttledCalls: () => throttled,
    addForeignRule: async (resource, rule) => addForeignRule(state, resource, rule, clock.now()),
    deleteOutOfBand: async (resource, cloudId) => deleteOutOfBand(state, resource, cloudId, clock.now()),
    // A rule group holds addresses, not hosts: there is no host state to inspect.
    hostState: () => null,
  };

  return {
    fetch,
    origins: [`https://network-firewall.${state.region}.amazonaws.com`],
    controls,
    state,
    operations,
    raceNextUpdates: (count, change) => {
      races = count;
      raceChange = change;
    },
    loseNextResponses: (count) => {
      lost = count;
    },
    denyActions: (list) => {
      for (const op of list) denied.add(op);
    },
  };
}

import type { Simulator, SimulatorControls, SimulatorOptions } from '../../../src/connectors/simulator.ts';
import { realClock } from '../../../src/connectors/simulator-faults.ts';
import type { NormalizedRule } from '../../../src/connectors/types.ts';
import { toSecurityRule } from '../mapping.ts';
import { armError } from './arm-json.ts';
import type { SimContext } from './context.ts';
import { FaultInjector } from './faults.ts';
import { hostState } from './host-state.ts';
import { type OperationError, OperationTracker } from './operations.ts';
import { route } from './router.ts';
import { type AzureSeedState, defaultSeedState } from './seed.ts';
import { AzureState, newEtag, type RuleProperties } from './state.ts';

export interface AzureSimulatorOptions extends Omit<SimulatorOptions, 'seedState'> {
  /**
   * Retry-After (seconds) on writes and in-progress status polls. Azure sends 3; that is the default.
   * Operations finish on the first poll unless `slowOperations` says otherwise, so the default costs
   * no waiting; with slow operations, pass 0 (or a fake clock) to keep tests and the sandbox fast.
   */
  operationRetryAfterSeconds?: number;
  /** Rules per list page before a nextLink (default 100). */
  listPageSize?: number;
  seedState?: AzureSeedState;
  /**
   * The Actions of the caller's role (e.g. the custom role in the README). When set, writes the role does
   * not grant get 403 AuthorizationFailed, and rules naming an application security group without
   * `applicationSecurityGroups/joinNetworkSecurityRule/action` get 403 LinkedAuthorizationFailed.
   */
  roleActions?: readonly string[];
}

export interface AzureSimulatorControls extends SimulatorControls {
  /** The next long-running operation ends Failed with this error (state rolled back). */
  failNextOperation(error: OperationError): void;
  /** Writes refused (429 RetryableErrorDueToAnotherOperation) because another write held the NSG. */
  overlappingWrites(): number;
  /** The next `count` writes get 429 Throttled with exactly these headers (e.g. `retry-after-ms`). */
  throttleNextWith(count: number, headers: Record<string, string>): void;
  /** Every request received (method and path), for asserting that nothing was called. */
  requests(): { method: string; path: string }[];
}

export interface AzureSimulator extends Simulator {
  controls: AzureSimulatorControls;
}

/**
 * Narrows the generic options (whose seedState is `unknown`) to this simulator's; a seed state of
 * another shape is refused with a clear error instead of failing later.
 */
export function asAzureSimulatorOptions(options: SimulatorOptions = {}): AzureSimulatorOptions {
  const { seedState, ...rest } = options;
  if (seedState === undefined) return rest;
  const seed = seedState as Partial<AzureSeedState>;
  const valid =
    typeof seed.subscriptionId === 'string' && typeof seed.location === 'string' && Array.isArray(seed.resourceGroups) && Array.isArray(seed.nsgs) && Array.isArray(seed.nics);
  if (!valid) throw new Error('azure-nsg simulator: seedState must be { subscriptionId, location, resourceGroups, nsgs, nics } (see simulator/seed.ts)');
  return { ...rest, seedState: seed as AzureSeedState };
}

const WRITE_METHODS = new Set(['PUT', 'DELETE', 'PATCH', 'POST']);

export function createAzureNsgSimulator(options: AzureSimulatorOptions = {}): AzureSimulator {
  const clock = options.clock ?? realClock;
  const state = new AzureState(options.seedState ?? defaultSeedState);
  const retryAfterSeconds = options.operationRetryAfterSeconds ?? 3;
  const quotas = options.quotas ?? {};
  const faults = new FaultInjector({
    clock,
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    ...(options.errorRate !== undefined ? { errorRate: options.errorRate } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    writeRateLimits: options.writeRateLimits ?? false,
    writesPerWindow: quotas.writesPer5Min ?? 1000,
    readsPerWindow: quotas.readsPer5Min ?? 10_000,
  });
  const operations = new OperationTracker(state, clock, () => retryAfterSeconds * 1000);
  const requests: { method: string; path: string }[] = [];
  const stats = { overlaps: 0 };
  let slowPolls = 0;
  let writeCalls = 0;

  async function handle(request: Request): Promise<Response> {
    await faults.delay();
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    requests.push({ method, path: url.pathname });
    const isWrite = WRITE_METHODS.has(method);
    if (isWrite) writeCalls++;
    if (!request.headers.get('authorization')?.startsWith('Bearer ')) {
      return armError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
    }
    const fault = faults.intercept(isWrite);
    if (fault) return fault;
    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion) {
      return armError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
    }
    const ctx: SimContext = {
      state,
      operations,
      faults,
      origin: url.origin,
      apiVersion,
      retryAfterSeconds,
      slowPolls,
      quotas: { rulesPerNsg: quotas.rulesPerNsg ?? 1000, prefixesPerNsg: quotas.prefixesPerNsg ?? 4000 },
      pageSize: options.listPageSize ?? 100,
      stats,
      ...(options.roleActions ? { roleActions: options.roleActions } : {}),
    };
    const response = await route(ctx, request, url);
    if (!isWrite) for (const [k, v] of Object.entries(faults.remainingReads())) response.headers.set(k, v);
    return response;
  }

  const nsgNamed = (resource: string) => {
    const nsg = state.nsgByName(resource);
    if (!nsg) throw new Error(`the simulator has no NSG named "${resource}"`);
    return nsg;
  };

  const controls: AzureSimulatorControls = {
    throttleNext: (count, retryAfterSeconds) => faults.throttleNext(count, retryAfterSeconds),
    failNext: (count, status) => faults.failNext(count, status),
    slowOperations: (polls) => {
      slowPolls = polls;
    },
    writeCalls: () => writeCalls,
    throttledCalls: () => faults.throttled,
    async addForeignRule(resource: string, rule: NormalizedRule) {
      const nsg = nsgNamed(resource);
      const { description: _ours, ...properties } = toSecurityRule(rule);
      const name = rule.cloudId ?? `console-${rule.direction === 'ingress' ? 'in' : 'out'}-${rule.priority}`;
      state.setRule(nsg, { name, properties: properties as RuleProperties, etag: newEtag(), provisioningState: 'Succeeded' });
    },
    async deleteOutOfBand(resource: string, cloudId: string) {
      state.removeRule(nsgNamed(resource), cloudId);
    },
    hostState: (host) => hostState(state, host),
    failNextOperation: (error) => operations.failNextOperation(error),
    overlappingWrites: () => stats.overlaps,
    throttleNextWith: (count, headers) => faults.throttleNextWith(count, headers),
    requests: () => [...requests],
  };

  return {
    origins: ['https://management.azure.com'],
    controls,
    async fetch(request: Request): Promise<Response> {
      try {
        return await handle(request);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return armError(500, 'InternalServerError', `simulator error: ${message}`);
      }
    },
  };
}

export * from './seed.ts';

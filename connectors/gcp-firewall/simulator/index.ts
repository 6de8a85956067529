/**
 * The GCP compute simulator: a stateful fetch handler speaking compute v1 JSON for firewalls,
 * operations, networks, zones and instance tags. See README.md ("Simulator") for its switches.
 */

import type { Simulator, SimulatorControls, SimulatorOptions } from '../../../src/connectors/simulator.ts';
import { realClock } from '../../../src/connectors/simulator-faults.ts';
import type { NormalizedRule } from '../../../src/connectors/types.ts';
import { COMPUTE_ORIGIN, errorResponse, SimulatedApiError } from './envelope.ts';
import { DEFAULT_WRITES_PER_MINUTE, Faults } from './faults.ts';
import { findInstance, setInstanceTags } from './instances.ts';
import { resolve, type RouteContext, unauthenticated } from './routes.ts';
import { defaultGcpSeed, gcpSeedSchema } from './seed.ts';
import { type Firewall, networkLink, type OperationRecord, type ProjectState, SimState } from './state.ts';

export interface RecordedRequest {
  method: string;
  /** Route name, e.g. "firewalls.insert" ("unknown" for paths the API does not have). */
  operation: string;
  path: string;
  requestId?: string;
  status: number;
}

/** Everything SimulatorControls offers, plus GCP-specific switches and inspection. */
export interface GcpSimulatorControls extends SimulatorControls {
  /** The next `count` mutations are accepted but their Operation ends DONE with this error (state unchanged). */
  failNextOperations(count: number, failure?: OperationRecord['failure']): void;
  /** The next `count` setTags calls find the tag fingerprint changed by someone else (412 conditionNotMet). */
  conflictNextSetTags(count: number): void;
  /** Sets an instance's tags out of band (as a person in the console would). */
  setHostTags(host: string, tags: string[]): void;
  /** Changes quotas while running (keys as in `SimulatorOptions.quotas`, see README). */
  setQuotas(quotas: Record<string, number>): void;
  /** Every request received, in order. */
  requests(): readonly RecordedRequest[];
  firewall(name: string, project?: string): Firewall | undefined;
  firewallNames(project?: string): string[];
}

export interface GcpSimulator extends Simulator {
  controls: GcpSimulatorControls;
}

const DEFAULT_QUOTAS = {
  /** Firewall rules per project (the FIREWALLS quota). */
  firewalls: 500,
  sourceRangesPerRule: 5000,
  destinationRangesPerRule: 5000,
  writesPerMinute: DEFAULT_WRITES_PER_MINUTE,
  tagsPerInstance: 64,
};

export function createGcpSimulator(options: SimulatorOptions = {}): GcpSimulator {
  const clock = options.clock ?? realClock;
  const state = new SimState(clock);
  state.load(gcpSeedSchema.parse(options.seedState ?? defaultGcpSeed));
  const quotas = { ...DEFAULT_QUOTAS, ...options.quotas };
  const faults = new Faults(clock, options, () => quotas.writesPerMinute);
  const log: RecordedRequest[] = [];
  const operationFailures: OperationRecord['failure'][] = [];
  let concurrentTagWrites = 0;
  let foreignRules = 0;

  const ctx: RouteContext = {
    state,
    quotas,
    slowPolls: 0,
    takeOperationFailure: () => operationFailures.shift(),
    takeConcurrentTagWrite: () => (concurrentTagWrites > 0 ? concurrentTagWrites-- > 0 : false),
  };
  const defaultProject = (): ProjectState => {
    const first = state.projects.values().next().value;
    if (!first) throw new Error('the simulator has no project');
    return first;
  };
  const projectFor = (id?: string) => (id ? state.project(id) : defaultProject());
  const findHost = (host: string) => {
    for (const project of state.projects.values()) {
      for (const [zone, instances] of project.zones) {
        const instance = instances.get(host);
        if (instance) return { project, zone, instance };
      }
    }
    throw new Error(`no instance named ${host} in the simulator`);
  };

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const entry: RecordedRequest = { method: request.method, operation: 'unknown', path: url.pathname, status: 0 };
    const requestId = url.searchParams.get('requestId');
    if (requestId) entry.requestId = requestId;
    log.push(entry);
    await faults.delay();
    try {
      const { route, project: projectId } = resolve(request.method, url.pathname);
      entry.operation = route.name;
      if (!request.headers.get('authorization')?.startsWith('Bearer ')) throw unauthenticated();
      const injected = faults.check(route.write);
      if (injected) throw new SimulatedApiError(injected);
      const project = state.project(projectId);
      if (!project) throw new SimulatedApiError({ status: 404, reason: 'notFound', message: `The resource 'projects/${projectId}' was not found` });
      const body = route.write ? await readJson(request) : undefined;
      const result = route.run(ctx, project, url.searchParams, body);
      entry.status = 200;
      return new Response(JSON.stringify(result), { status: 200, headers: { 'content-type': 'application/json; charset=UTF-8' } });
    } catch (error) {
      if (!(error instanceof SimulatedApiError)) throw error;
      entry.status = error.apiError.status;
      return errorResponse(error.apiError);
    }
  }

  const controls: GcpSimulatorControls = {
    throttleNext: (count, retryAfterSeconds) => faults.throttleNext(count, retryAfterSeconds),
    failNext: (count, status) => faults.failNext(count, status),
    slowOperations: (polls) => {
      ctx.slowPolls = polls;
    },
    writeCalls: () => faults.writes,
    throttledCalls: () => faults.throttled,
    async addForeignRule(resource, rule) {
      const [projectId, network] = resource.includes('/') ? resource.split('/') : [undefined, resource];
      const project = projectFor(projectId);
      if (!project || !network || !project.networks.has(network)) throw new Error(`no network ${resource} in the simulator`);
      foreignRules += 1;
      const name = rule.cloudId ?? `console-rule-${foreignRules}`;
      project.firewalls.set(name, state.firewallResource(project.id, foreignFirewall(name, networkLink(project.id, network), rule)));
    },
    async deleteOutOfBand(resource, cloudId) {
      const projectId = resource.includes('/') ? resource.split('/')[0] : undefined;
      // Extra protocol entries of one firewall are listed as "name#1"...: the firewall is "name".
      projectFor(projectId)?.firewalls.delete(cloudId.split('#')[0] ?? cloudId);
    },
    hostState(host) {
      const { zone, instance } = findHost(host);
      return { zone, tags: [...(instance.tags?.items ?? [])] };
    },
    failNextOperations(count, failure) {
      const error = failure ?? { code: 'INTERNAL_ERROR', message: 'Internal error while processing the operation.', httpStatus: 500 };
      for (let i = 0; i < count; i++) operationFailures.push(error);
    },
    conflictNextSetTags(count) {
      concurrentTagWrites = count;
    },
    setHostTags(host, tags) {
      const { project, zone } = findHost(host);
      setInstanceTags(state, project, zone, findInstance(project, zone, host), tags);
    },
    setQuotas(overrides) {
      Object.assign(quotas, overrides);
    },
    requests: () => log,
    firewall: (name, project) => {
      const found = projectFor(project)?.firewalls.get(name);
      return found ? structuredClone(found) : undefined;
    },
    firewallNames: (project) => [...(projectFor(project)?.firewalls.keys() ?? [])].sort(),
  };

  return { fetch: handle, origins: [COMPUTE_ORIGIN], controls };
}

async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new SimulatedApiError({ status: 400, reason: 'parseError', message: 'Parse Error' });
  }
}

/** A rule created out of band, as a person would in the console. */
function foreignFirewall(name: string, network: string, rule: NormalizedRule): Firewall {
  const entry = { IPProtocol: rule.protocol, ...(rule.ports.length ? { ports: rule.ports.map((p) => (p.from === p.to ? `${p.from}` : `${p.from}-${p.to}`)) } : {}) };
  const ingress = rule.direction === 'ingress';
  return {
    name,
    network,
    direction: ingress ? 'INGRESS' : 'EGRESS',
    priority: rule.priority,
    description: rule.description ?? 'created in the console',
    ...(rule.action === 'allow' ? { allowed: [entry] } : { denied: [entry] }),
    ...(rule.cidrs.length ? (ingress ? { sourceRanges: rule.cidrs } : { destinationRanges: rule.cidrs }) : {}),
    ...(ingress && rule.sourceGroup ? { sourceTags: [rule.sourceGroup] } : {}),
  };
}

/**
 * A stateful simulator of the Cloudflare API v4 (api.cloudflare.com/client/v4) as a plain fetch
 * handler: the Lists API with asynchronous bulk operations (one pending per account), the zone
 * rulesets the connector reads, the v4 envelope, cursor pagination, the global rate limit (1,200
 * requests per 5 minutes per user, 429 code 971 with Retry-After) and, with `writeRateLimits`, the
 * Lists API's 10,000 item changes per 5 minutes. Runtime-free: the sandbox serves it on loopback.
 */

import type { NormalizedRule } from '../../../src/connectors/types.ts';
import type { Simulator, SimulatorControls, SimulatorOptions } from '../../../src/connectors/simulator.ts';
import { FaultSwitches, randomSource, realClock, SlidingWindowLimiter } from '../../../src/connectors/simulator-faults.ts';
import { CLOUDFLARE_ORIGIN } from '../api.ts';
import { CLOUDFLARE_PLAN_ITEMS } from '../config.ts';
import { toItemValue } from '../items.ts';
import { CODES, fail, ok } from './envelope.ts';
import { listRoutes } from './lists-routes.ts';
import { type CloudflareSeed, defaultSeed } from './seed.ts';
import { CloudflareState } from './state.ts';

const FIVE_MINUTES = 300_000;
/** Client API per user (developers.cloudflare.com/fundamentals/api/reference/limits/). */
export const REQUESTS_PER_FIVE_MINUTES = 1200;
/** Lists API: list item changes in five minutes (developers.cloudflare.com/waf/tools/lists/lists-api/). */
export const ITEM_CHANGES_PER_FIVE_MINUTES = 10_000;

export interface CloudflareSimulatorControls extends SimulatorControls {
  /** The items of a list, as CIDR values in Cloudflare's order. */
  listItems(listName: string): string[];
  /** The account-wide item limit (quotas.listItems), changed while running. */
  setItemLimit(items: number): void;
  /** Edits a rule of a zone ruleset out of band (a person in the dashboard), by rule id. */
  editRule(rulesetId: string, ruleId: string, change: { enabled?: boolean; action?: string; expression?: string } | 'delete'): void;
  /** Bulk operations the account has seen, oldest first. */
  operations(): { id: string; status: string; error?: string }[];
  /** Requests answered (any method), for request-budget assertions. */
  requests(): number;
}

export interface CloudflareSimulator extends Simulator {
  controls: CloudflareSimulatorControls;
}

export function createCloudflareSimulator(options: SimulatorOptions = {}): CloudflareSimulator {
  const clock = options.clock ?? realClock;
  const now = () => clock.now();
  const seed = (options.seedState as CloudflareSeed | undefined) ?? defaultSeed();
  const state = new CloudflareState(seed, now, options.quotas?.listItems ?? CLOUDFLARE_PLAN_ITEMS.free);
  const faults = new FaultSwitches({ ...options, random: randomSource(options.seed), failStatus: 500, randomFailStatus: 503 });
  const limitPerUser = options.quotas?.requestsPerFiveMinutes ?? REQUESTS_PER_FIVE_MINUTES;
  const perUser = new SlidingWindowLimiter(now, FIVE_MINUTES, limitPerUser);
  const changes: { at: number; count: number }[] = [];
  let slowPolls = 0;
  let writes = 0;
  let throttled = 0;
  let requests = 0;

  const takeChanges = (count: number): Response | undefined => {
    if (!options.writeRateLimits) return undefined;
    while (changes.length && (changes[0]?.at ?? 0) <= now() - FIVE_MINUTES) changes.shift();
    const used = changes.reduce((s, c) => s + c.count, 0);
    if (used + count > ITEM_CHANGES_PER_FIVE_MINUTES) {
      throttled += 1;
      const wait = Math.max(1, Math.ceil(((changes[0]?.at ?? now()) + FIVE_MINUTES - now()) / 1000));
      return fail(429, CODES.rateLimited, `More than ${ITEM_CHANGES_PER_FIVE_MINUTES} list item changes in 5 minutes. Please wait and consider throttling your request speed`, { 'retry-after': String(wait) });
    }
    changes.push({ at: now(), count });
    return undefined;
  };

  async function handle(request: Request): Promise<Response> {
    requests += 1;
    await faults.delay(clock);
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const mutating = method !== 'GET' && method !== 'HEAD';
    if (mutating) writes += 1;
    const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
    if (!token || !state.tokens.has(token)) return fail(403, CODES.authentication, 'Authentication error');
    const failure = faults.takeFailure();
    if (failure !== undefined) return fail(failure, CODES.internal, 'Internal server error');
    const slot = perUser.take();
    if (!slot.allowed) {
      throttled += 1;
      return fail(429, CODES.rateLimited, `More than ${REQUESTS_PER_FIVE_MINUTES} requests per 300 seconds reached. Please wait and consider throttling your request speed`, {
        'retry-after': String(Math.ceil(slot.retryAfterMs / 1000)),
      });
    }
    const forced = mutating ? faults.takeThrottle() : undefined;
    if (forced) {
      throttled += 1;
      return fail(429, CODES.rateLimited, 'Please wait and consider throttling your request speed', { 'retry-after': String(forced.retryAfterSeconds ?? 1) });
    }
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'client' || parts[1] !== 'v4') return fail(404, CODES.noRoute, 'No route for that URI');
    const [scope, id, ...rest] = parts.slice(2);
    if (scope === 'user' && id === 'tokens' && rest[0] === 'verify' && method === 'GET') {
      return ok({ id: 'ed17574386854bf78a67040be0a770b0', status: 'active' });
    }
    if (scope === 'accounts' && rest[0] === 'rules' && rest[1] === 'lists') {
      const account = state.accounts.get(id ?? '');
      if (!account) return fail(404, CODES.badIdentifier, `Could not route to ${url.pathname}, perhaps your object identifier is invalid?`);
      return listRoutes({ state, now, slowPolls: () => slowPolls, takeChanges }, account, method, rest.slice(2), url, request);
    }
    if (scope === 'zones' && rest[0] === 'rulesets' && method === 'GET') {
      const zone = state.zones.get(id ?? '');
      if (!zone) return fail(404, CODES.badIdentifier, `Could not route to ${url.pathname}, perhaps your object identifier is invalid?`);
      const rulesetId = rest[1] === 'phases' && rest[3] === 'entrypoint' ? (rest[2] === 'http_request_firewall_custom' ? zone.entrypoint : undefined) : rest[1];
      const ruleset = rulesetId && rest.length <= 4 ? zone.rulesets.get(rulesetId) : undefined;
      return ruleset ? ok(ruleset) : fail(404, CODES.notFound, 'could not find entrypoint ruleset in the zone');
    }
    return fail(404, CODES.noRoute, 'No route for that URI');
  }

  const findList = (name: string) => {
    for (const account of state.accounts.values()) for (const list of account.lists.values()) if (list.name === name || list.id === name) return { account, list };
    return undefined;
  };
  const findRuleset = (rulesetId: string) => {
    for (const zone of state.zones.values()) {
      const ruleset = zone.rulesets.get(rulesetId);
      if (ruleset) return ruleset;
    }
    throw new Error(`no ruleset ${rulesetId} in the simulator`);
  };

  const controls: CloudflareSimulatorControls = {
    throttleNext: (count, retryAfterSeconds) => faults.throttleNext(count, retryAfterSeconds),
    failNext: (count, status) => faults.failNext(count, status),
    slowOperations: (polls) => {
      slowPolls = polls;
    },
    writeCalls: () => writes,
    throttledCalls: () => throttled,
    async addForeignRule(resource: string, rule: NormalizedRule) {
      // A custom rule a person made in the dashboard: an inline address set, action block (or skip for an allow).
      const ruleset = findRuleset(resource);
      const id = state.newId();
      ruleset.rules.push({
        id,
        ref: id,
        version: '1',
        last_updated: state.iso(),
        action: rule.action === 'deny' ? 'block' : 'skip',
        expression: `ip.src in {${rule.cidrs.map(toItemValue).join(' ')}}`,
        description: rule.description ?? 'added in the dashboard',
        enabled: true,
      });
    },
    async deleteOutOfBand(resource: string, cloudId: string) {
      // A list id: a person emptied the list; a rule id: a person deleted the rule.
      const found = findList(cloudId);
      if (found) {
        found.list.items.clear();
        return;
      }
      const ruleset = findRuleset(resource);
      ruleset.rules = ruleset.rules.filter((r) => r.id !== cloudId);
    },
    hostState: () => undefined,
    listItems: (listName) => {
      const found = findList(listName);
      return found ? state.sortedItems(found.list).map((i) => i.ip) : [];
    },
    setItemLimit: (items) => {
      state.itemLimit = items;
    },
    editRule(rulesetId, ruleId, change) {
      const ruleset = findRuleset(rulesetId);
      if (change === 'delete') ruleset.rules = ruleset.rules.filter((r) => r.id !== ruleId);
      else ruleset.rules = ruleset.rules.map((r) => (r.id === ruleId ? { ...r, ...change } : r));
    },
    operations: () => [...state.accounts.values()].flatMap((a) => [...a.operations.values()].map((o) => ({ id: o.id, status: o.status, ...(o.error ? { error: o.error } : {}) }))),
    requests: () => requests,
  };

  // Every answer carries the caller's rate-limit state (developers.cloudflare.com/fundamentals/api/reference/limits/).
  const fetch = async (request: Request): Promise<Response> => {
    const response = await handle(request);
    response.headers.set('x-ratelimit-limit', String(limitPerUser));
    response.headers.set('x-ratelimit-remaining', String(perUser.remaining()));
    return response;
  };
  return { fetch, origins: [CLOUDFLARE_ORIGIN], controls };
}

/**
 * The Cloudflare connector: blocks are the items of an account IP list the service owns, which a WAF
 * custom rule (`ip.src in $<list>`, action block) in the operator's zone ruleset enforces. The list and
 * the rule are the operator's; the service only changes the list's items, and only of an owned list.
 */

import {
  type CheckResult,
  type Connector,
  type ConnectorContext,
  ConnectorError,
  type ConnectorLimits,
  type NormalizedRule,
  type OperationResult,
  type QuarantineResult,
} from '../../src/connectors/types.ts';
import { type CallRecord, CLOUDFLARE_ORIGIN, type CloudflareApi, createCloudflareApi, SIMULATOR_API_TOKEN } from './api.ts';
import { type CloudflareConfig, type CloudflareTarget, itemLimitOf } from './config.ts';
import { inlineAddresses, referencesList } from './expression.ts';
import { applyChange } from './apply.ts';
import { type CfList, enforcementProblem, ownedList, readItems, readLists, readRuleset } from './lists.ts';
import { validateRule } from './validate.ts';

export interface CloudflareConnectorOptions {
  /** A prebuilt API client (defaults to fetch against the configured endpoint). */
  api?: CloudflareApi;
}

export function createCloudflareConnector(id: string, config: CloudflareConfig, ctx: ConnectorContext, options: CloudflareConnectorOptions = {}): Connector {
  const token = 'apiToken' in config.credentials ? ctx.resolveSecret(config.credentials.apiToken) : SIMULATOR_API_TOKEN;
  const api = options.api ?? createCloudflareApi(config.endpoint ?? CLOUDFLARE_ORIGIN, token, ctx);
  const limit = itemLimitOf(config);
  const marker = config.ownerMarker;
  /** Items the account's other lists hold, as of the last listing (they count against the same limit). */
  const othersItems = new Map<string, number>();
  // Cloudflare allows one pending bulk operation per account: this instance's writes go one at a time.
  let writes: Promise<unknown> = Promise.resolve();
  const serialized = <T>(f: () => Promise<T>): Promise<T> => {
    const next = writes.then(f, f);
    writes = next.catch(() => undefined);
    return next;
  };

  const targetOf = (targetId: string): CloudflareTarget => {
    const target = config.targets.find((t) => t.id === targetId);
    if (!target) {
      throw new ConnectorError({
        kind: 'validation',
        code: 'UNKNOWN_TARGET',
        message: `connector ${id} has no target "${targetId}" (known: ${config.targets.map((t) => t.id).join(', ')})`,
        retryable: false,
      });
    }
    return target;
  };

  const room = (target: CloudflareTarget) => Math.max(0, limit - (othersItems.get(target.id) ?? 0));
  const noteOthers = (target: CloudflareTarget, lists: CfList[], own: CfList) =>
    othersItems.set(target.id, lists.filter((l) => l.id !== own.id).reduce((sum, l) => sum + l.num_items, 0));

  /**
   * The target's owned list and its ruleset, checked: the list exists, is an IP list, is owned, and an
   * enabled block rule references it (items nothing enforces would be reported as holding). Throws otherwise.
   */
  const readTarget = async (target: CloudflareTarget, calls: CallRecord[]) => {
    const lists = await readLists(api, config.accountId, calls);
    const own = ownedList(lists, target, marker);
    noteOthers(target, lists, own);
    const ruleset = await readRuleset(api, target, calls);
    const problem = enforcementProblem(ruleset, target, (e) => referencesList(e, target.listName));
    if (problem) throw new ConnectorError({ kind: 'validation', code: 'LIST_NOT_ENFORCED', message: `Cloudflare target ${target.id}: ${problem}`, retryable: false });
    return { own, ruleset };
  };

  const refused = (what: 'quarantine' | 'release', targetId: string): QuarantineResult => ({
    ok: false,
    calls: [],
    error: {
      kind: 'validation',
      code: 'QUARANTINE_NOT_SUPPORTED',
      message: `Cloudflare target ${targetId} cannot ${what === 'quarantine' ? 'quarantine (isolate)' : 'release'} a host: its list filters HTTP requests to the zone by source address and has no hosts; quarantine the host on the connector of the cloud it runs in`,
      retryable: false,
    },
  });

  return {
    type: 'cloudflare',
    id,
    capabilities: { allows: false, quarantine: false },
    targets: () => config.targets.map((t) => t.id),

    limits(targetId): ConnectorLimits {
      const target = targetOf(targetId);
      const items = room(target);
      return {
        supportsDeny: true,
        supportsIpv6: true,
        // One owned list per target, ingress only (validate refuses egress).
        maxRulesPerDirection: 1,
        maxPrefixesPerRule: items,
        maxPrefixesPerTarget: items,
        priorityBand: { from: 0, to: 0 },
        mixesAddressFamilies: true,
        container: `Cloudflare list $${target.listName} (account ${config.accountId}: ${limit} items across its lists, ${limit - items} in other lists)`,
      };
    },

    validate(targetId, rule): string[] {
      const target = config.targets.find((t) => t.id === targetId);
      return target ? validateRule(target, rule) : [`unknown target "${targetId}"`];
    },

    async list(targetId): Promise<NormalizedRule[]> {
      const target = targetOf(targetId);
      const { own, ruleset } = await readTarget(target, []);
      const rules: NormalizedRule[] = [];
      const items = await readItems(api, config.accountId, own.id, []);
      if (items.size > 0) {
        rules.push({ ...blockMatch(), cidrs: [...items.keys()], cloudId: own.id, owned: true, ...(own.description ? { description: own.description } : {}) });
      }
      for (const rule of ruleset.rules ?? []) {
        // Blocks a person made in the dashboard, read for analysis and never changed.
        const cidrs = rule.action === 'block' && rule.enabled !== false ? inlineAddresses(rule.expression) : undefined;
        if (cidrs) rules.push({ ...blockMatch(), cidrs, cloudId: rule.id, owned: false, ...(rule.description ? { description: rule.description } : {}) });
      }
      return rules;
    },

    apply: (targetId, changes): Promise<OperationResult[]> =>
      serialized(async () => {
        const target = targetOf(targetId);
        const calls: CallRecord[] = [];
        const settings = { accountId: config.accountId, pollIntervalMs: config.pollIntervalMs, maxPolls: config.maxPolls, clock: ctx.clock };
        let state: { listId: string; items: Map<string, string> };
        try {
          // Never written unless owned and enforced.
          const { own } = await readTarget(target, calls);
          // The items now (with their ids, which DELETE needs): each change is made against them.
          state = { listId: own.id, items: await readItems(api, config.accountId, own.id, calls) };
        } catch (error) {
          const info = error instanceof ConnectorError ? error.info : new ConnectorError({ kind: 'unknown', code: 'UnexpectedError', message: String(error), retryable: false }).info;
          return changes.map((change, i) => ({ change, ok: false, calls: i === 0 ? calls : [], error: info }));
        }
        const results: OperationResult[] = [];
        for (const [i, change] of changes.entries()) {
          const result = await applyChange({ api, settings, target, room: room(target), state }, change);
          // The reads that prepared the pass are reported with the first change.
          if (i === 0) result.calls.unshift(...calls);
          results.push(result);
        }
        return results;
      }),

    async check(targetId): Promise<CheckResult> {
      const target = targetOf(targetId);
      const checks: CheckResult['checks'] = [];
      const calls: CallRecord[] = [];
      const step = async (name: string, f: () => Promise<string | undefined>) => {
        try {
          const detail = await f();
          checks.push({ name, ok: true, ...(detail ? { detail } : {}) });
          return true;
        } catch (error) {
          checks.push({ name, ok: false, detail: error instanceof ConnectorError ? error.info.message : String(error) });
          return false;
        }
      };
      let own: CfList | undefined;
      await step(`list $${target.listName} exists, is an IP list and is owned ("${marker}" in its description) (lists-get-lists)`, async () => {
        own = ownedList(await readLists(api, config.accountId, calls), target, marker);
        return `${own.num_items} items; ${limit} allowed across the account's lists`;
      });
      if (own) {
        const listId = own.id;
        await step('list items can be read (lists-get-list-items)', async () => {
          const page = await api.call<unknown[]>('lists-get-list-items', 'GET', `/accounts/${config.accountId}/rules/lists/${listId}/items?per_page=1`);
          if (!page.ok) throw page.error;
          return undefined;
        });
      }
      await step(`a block rule "ip.src in $${target.listName}" is enabled in the zone ruleset (${target.rulesetId ? 'getZoneRuleset' : 'getZoneEntrypointRuleset'})`, async () => {
        const ruleset = await readRuleset(api, target, calls);
        const problem = enforcementProblem(ruleset, target, (e) => referencesList(e, target.listName));
        if (problem) throw new Error(problem);
        return `ruleset ${ruleset.id}`;
      });
      checks.push({
        name: 'item writes (Account Filter Lists Edit)',
        ok: true,
        detail: 'not provable without a write: Cloudflare has no dry run; the first block shows it',
      });
      return { ok: checks.every((c) => c.ok), checks };
    },

    quarantine: async (targetId) => refused('quarantine', targetOf(targetId).id),
    release: async (targetId) => refused('release', targetOf(targetId).id),
  };
}

/** What every Cloudflare list rule is: an ingress block of every request from its addresses. */
export function blockMatch(): Omit<NormalizedRule, 'cidrs' | 'owned'> {
  return { direction: 'ingress', action: 'deny', protocol: 'all', ports: [], priority: 0, placement: 'cf-list' };
}

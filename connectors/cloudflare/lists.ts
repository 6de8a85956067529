/** Reads the account's lists, a list's items (cursor pagination) and the zone ruleset. */

import { ConnectorError } from '../../src/connectors/types.ts';
import type { CallRecord, CloudflareApi } from './api.ts';
import type { CloudflareTarget } from './config.ts';
import type { RulesetRule } from './expression.ts';
import { fromItemValue } from './items.ts';

/** A list as GET /accounts/{account_id}/rules/lists returns it. */
export interface CfList {
  id: string;
  name: string;
  description?: string;
  kind: string;
  num_items: number;
  num_referencing_filters?: number;
}

export interface CfItem {
  id: string;
  ip?: string;
  comment?: string;
}

export interface CfRuleset {
  id: string;
  name?: string;
  phase?: string;
  version?: string;
  rules?: RulesetRule[];
}

/** The largest page GET …/items allows (`per_page` maximum 500 in Cloudflare's OpenAPI). */
export const ITEMS_PAGE = 500;
export const CUSTOM_PHASE = 'http_request_firewall_custom';

const fail = (outcome: { error: ConnectorError }): never => {
  throw outcome.error;
};

export async function readLists(api: CloudflareApi, accountId: string, calls: CallRecord[]): Promise<CfList[]> {
  const outcome = await api.call<CfList[]>('lists-get-lists', 'GET', `/accounts/${accountId}/rules/lists`);
  calls.push(outcome.record);
  return outcome.ok ? outcome.value.result : fail(outcome);
}

/** Every item of a list, page by page, as canonical CIDR → item id. Unreadable values are skipped. */
export async function readItems(api: CloudflareApi, accountId: string, listId: string, calls: CallRecord[]): Promise<Map<string, string>> {
  const items = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const query = `?per_page=${ITEMS_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const outcome = await api.call<CfItem[]>('lists-get-list-items', 'GET', `/accounts/${accountId}/rules/lists/${listId}/items${query}`);
    calls.push(outcome.record);
    if (!outcome.ok) fail(outcome);
    const page = outcome.ok ? outcome.value : undefined;
    for (const item of page?.result ?? []) {
      const cidr = item.ip ? fromItemValue(item.ip) : undefined;
      if (cidr) items.set(cidr, item.id);
    }
    cursor = page?.result_info?.cursors?.after || undefined;
  } while (cursor);
  return items;
}

/** The ruleset the target names, or the zone's entry point ruleset of the custom rules phase. */
export async function readRuleset(api: CloudflareApi, target: CloudflareTarget, calls: CallRecord[]): Promise<CfRuleset> {
  const path = target.rulesetId
    ? `/zones/${target.zoneId}/rulesets/${target.rulesetId}`
    : `/zones/${target.zoneId}/rulesets/phases/${CUSTOM_PHASE}/entrypoint`;
  const outcome = await api.call<CfRuleset>(target.rulesetId ? 'getZoneRuleset' : 'getZoneEntrypointRuleset', 'GET', path);
  calls.push(outcome.record);
  return outcome.ok ? outcome.value.result : fail(outcome);
}

/** The target's list, checked: it exists, is an IP list and carries the ownership marker. Throws a clear error otherwise. */
export function ownedList(lists: CfList[], target: CloudflareTarget, marker: string): CfList {
  const list = lists.find((l) => l.name === target.listName);
  const refuse = (code: string, kind: 'not_found' | 'validation', message: string): never => {
    throw new ConnectorError({ kind, code, message, retryable: false });
  };
  if (!list) {
    return refuse('LIST_NOT_FOUND', 'not_found', `Cloudflare list "${target.listName}" does not exist in the account; create an IP list with that name whose description contains "${marker}"`);
  }
  if (list.kind !== 'ip') {
    return refuse('LIST_NOT_IP', 'validation', `Cloudflare list "${target.listName}" is of kind "${list.kind}"; blocks need a list of kind "ip"`);
  }
  if (!(list.description ?? '').includes(marker)) {
    return refuse(
      'LIST_NOT_OWNED',
      'validation',
      `Cloudflare list "${target.listName}" is not owned by portcullis: its description does not contain "${marker}" (the service never changes a list it does not own)`,
    );
  }
  return list;
}

/** Why the ruleset does not enforce the list (no enabled block rule with `ip.src in $<list>`), or undefined when it does. */
export function enforcementProblem(ruleset: CfRuleset, target: CloudflareTarget, references: (e: string) => boolean): string | undefined {
  const rules = (ruleset.rules ?? []).filter((r) => references(r.expression));
  const where = `ruleset ${ruleset.id} of zone ${target.zoneId}`;
  if (!rules.length) return `no rule in ${where} references the list: add a custom rule with expression "ip.src in $${target.listName}" and action block`;
  if (!rules.some((r) => r.action === 'block')) {
    return `the rule referencing $${target.listName} in ${where} has action "${rules[0]?.action}"; blocks need action block`;
  }
  if (!rules.some((r) => r.action === 'block' && r.enabled !== false)) return `the block rule referencing $${target.listName} in ${where} is disabled`;
  return undefined;
}

/**
 * One rule change as item writes on the owned list, computed against the items the list holds now:
 * additions are one POST, removals one DELETE (by item id), both at once one PUT of the whole list
 * (the list is the service's, so its desired items are exactly the rule's). Many addresses per call.
 */

import type { OperationResult, RuleChange } from '../../src/connectors/types.ts';
import type { CallRecord, CloudflareApi } from './api.ts';
import { type BulkSettings, runBulk } from './bulk.ts';
import type { CloudflareTarget } from './config.ts';
import { readItems } from './lists.ts';
import { toItemValue } from './items.ts';

export interface ListState {
  listId: string;
  /** Canonical CIDR → item id ("" for an item this pass added, whose id is not known yet). */
  items: Map<string, string>;
}

export interface ApplyContext {
  api: CloudflareApi;
  settings: BulkSettings;
  target: CloudflareTarget;
  /** Items this list may hold: the account's limit minus what its other lists hold. */
  room: number;
  state: ListState;
}

const COMMENT = 'blocked by portcullis';

export async function applyChange(ac: ApplyContext, change: RuleChange): Promise<OperationResult> {
  const { state } = ac;
  const calls: CallRecord[] = [];
  const wanted = change.op === 'delete' ? [] : change.rule.cidrs;
  const dropped = change.op === 'create' ? [] : change.op === 'delete' ? change.rule.cidrs : change.before.cidrs.filter((c) => !wanted.includes(c));
  const add = [...new Set(wanted)].filter((c) => !state.items.has(c));
  const remove = [...new Set(dropped)].filter((c) => state.items.has(c) && !wanted.includes(c));
  const done = (error?: OperationResult['error']): OperationResult => ({
    change,
    ok: !error,
    calls,
    ...(error ? { error } : { cloudId: state.listId }),
  });

  const after = state.items.size + add.length - remove.length;
  if (after > ac.room) {
    return done({
      kind: 'capacity',
      code: 'ListItemLimit',
      message: `Cloudflare list $${ac.target.listName} would hold ${after} items but only ${ac.room} fit (the account's item limit minus its other lists); nothing was sent`,
      retryable: false,
    });
  }
  if (!add.length && !remove.length) return done();

  let error: OperationResult['error'];
  if (add.length && remove.length) {
    error = await runBulk(ac.api, ac.settings, state.listId, 'PUT', [...new Set(wanted)].map((c) => ({ ip: toItemValue(c), comment: COMMENT })), calls);
  } else if (add.length) {
    error = await runBulk(ac.api, ac.settings, state.listId, 'POST', add.map((c) => ({ ip: toItemValue(c), comment: COMMENT })), calls);
  } else {
    if (remove.some((c) => state.items.get(c) === '')) {
      // Added earlier in this pass: read the ids Cloudflare gave them.
      state.items = await readItems(ac.api, ac.settings.accountId, state.listId, calls);
    }
    const ids = remove.flatMap((c) => (state.items.get(c) ? [{ id: state.items.get(c) as string }] : []));
    error = ids.length ? await runBulk(ac.api, ac.settings, state.listId, 'DELETE', { items: ids }, calls) : undefined;
  }
  if (error) return done(error);
  // PUT replaced every item: none of the old ids is valid any more.
  if (add.length && remove.length) state.items = new Map(wanted.map((c) => [c, '']));
  for (const c of add) state.items.set(c, '');
  for (const c of remove) state.items.delete(c);
  return done();
}

/**
 * /accounts/{account_id}/rules/lists…: lists, items (cursor pages of at most 500) and asynchronous
 * item writes (POST append, PUT replace all, DELETE by id) that answer an operation_id.
 */

import { CODES, fail, ok } from './envelope.ts';
import { fromItemValue, itemProblem } from '../items.ts';
import type { CloudflareState, SimAccount, SimList } from './state.ts';

export interface ListRouteContext {
  state: CloudflareState;
  now: () => number;
  /** Polls an operation answers "not done" before it completes (slowOperations). */
  slowPolls: () => number;
  /** Counts list-item changes against the Lists API limit; a 429 Response when it is exceeded. */
  takeChanges: (count: number) => Response | undefined;
}

const MAX_PAGE = 500;
const DEFAULT_PAGE = 25;

const listView = (state: CloudflareState, l: SimList) => ({
  id: l.id,
  name: l.name,
  description: l.description,
  kind: l.kind,
  num_items: l.items.size,
  num_referencing_filters: state.referencingRules(l.name),
  created_on: l.created_on,
  modified_on: l.modified_on,
});

export async function listRoutes(rc: ListRouteContext, account: SimAccount, method: string, rest: string[], url: URL, request: Request): Promise<Response> {
  const { state } = rc;
  state.settle(account);
  if (rest.length === 0) {
    if (method === 'GET') return ok([...account.lists.values()].map((l) => listView(state, l)));
    return fail(405, CODES.noRoute, `Method ${method} not allowed here (the simulator does not create lists: the operator does)`);
  }
  if (rest[0] === 'bulk_operations' && rest.length === 2 && method === 'GET') {
    const op = account.operations.get(rest[1] ?? '');
    if (!op) return fail(404, CODES.notFound, 'operation not found');
    if (op.status === 'pending' || op.status === 'running') {
      if (op.pollsLeft <= 0) state.finish(op);
      else {
        // The first poll sees it queued, later ones running.
        op.pollsLeft -= 1;
        const view = { id: op.id, status: op.status };
        op.status = 'running';
        return ok(view);
      }
    }
    return ok({ id: op.id, status: op.status, ...(op.completed ? { completed: op.completed } : {}), ...(op.error ? { error: op.error } : {}) });
  }
  const list = account.lists.get(rest[0] ?? '');
  if (!list) return fail(404, CODES.notFound, 'list not found');
  if (rest.length === 1) return method === 'GET' ? ok(listView(state, list)) : fail(405, CODES.noRoute, `Method ${method} not allowed here`);
  if (rest[1] !== 'items' || rest.length > 3) return fail(404, CODES.noRoute, 'No route for that URI');
  if (rest.length === 3) {
    const item = [...list.items.values()].find((i) => i.id === rest[2]);
    return item ? ok(item) : fail(404, CODES.notFound, 'list item not found');
  }
  if (method === 'GET') return itemsPage(rc, list, url);
  if (method !== 'POST' && method !== 'PUT' && method !== 'DELETE') return fail(405, CODES.noRoute, `Method ${method} not allowed here`);
  return writeItems(rc, account, list, method, request);
}

function itemsPage(rc: ListRouteContext, list: SimList, url: URL): Response {
  const perPageText = url.searchParams.get('per_page');
  const perPage = perPageText === null ? DEFAULT_PAGE : Number(perPageText);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PAGE) {
    return fail(400, CODES.badRequest, `per_page must be an integer from 1 to ${MAX_PAGE}`);
  }
  const search = url.searchParams.get('search') ?? '';
  const items = rc.state.sortedItems(list).filter((i) => i.ip.startsWith(search));
  const cursor = url.searchParams.get('cursor');
  const start = cursor ? decodeCursor(cursor) : 0;
  if (start === undefined) return fail(400, CODES.badRequest, 'invalid cursor');
  const page = items.slice(start, start + perPage);
  const after = start + perPage < items.length ? encodeCursor(start + perPage) : undefined;
  return ok(page, { cursors: { ...(start > 0 ? { before: encodeCursor(Math.max(0, start - perPage)) } : {}), ...(after ? { after } : {}) } });
}

// Opaque to clients, as the docs ask them to treat it.
const encodeCursor = (offset: number) => btoa(`o:${offset}`).replace(/=+$/, '');
function decodeCursor(cursor: string): number | undefined {
  try {
    const match = /^o:(\d+)$/.exec(atob(cursor));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function writeItems(rc: ListRouteContext, account: SimAccount, list: SimList, method: 'POST' | 'PUT' | 'DELETE', request: Request): Promise<Response> {
  const { state } = rc;
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return fail(400, CODES.badRequest, 'the request body is not valid JSON');
  }
  if (state.openOperation(account)) {
    // "If a write operation is still being processed … you will receive a 429 HTTP status code."
    return fail(429, CODES.operationPending, 'There is a pending bulk operation on this account; submit your request again once it completes', { 'retry-after': '1' });
  }
  let run: () => string | undefined;
  let changes: number;
  if (method === 'DELETE') {
    const ids = (body as { items?: { id?: unknown }[] } | null)?.items;
    if (!Array.isArray(ids) || ids.some((i) => typeof i?.id !== 'string')) return fail(400, CODES.badRequest, 'the body must be { items: [{ id }] }');
    const wanted = new Set(ids.map((i) => i.id as string));
    changes = wanted.size;
    run = () => {
      for (const [key, item] of list.items) if (wanted.has(item.id)) list.items.delete(key);
      list.modified_on = state.iso();
      return undefined;
    };
  } else {
    const parsed = parseItems(list, body);
    if (parsed instanceof Response) return parsed;
    changes = parsed.length + (method === 'PUT' ? list.items.size : 0);
    run = () => {
      const others = state.itemsInAccount(account) - list.items.size;
      const keys = new Set([...(method === 'PUT' ? [] : list.items.keys()), ...parsed.map((p) => p.key)]);
      if (others + keys.size > state.itemLimit) {
        return `exceeded the maximum number of list items (${state.itemLimit}) for this account: the lists would hold ${others + keys.size}`;
      }
      if (method === 'PUT') list.items.clear();
      for (const p of parsed) state.putItem(list, p.ip, p.comment);
      return undefined;
    };
  }
  const limited = rc.takeChanges(changes);
  if (limited) return limited;
  const id = state.newId();
  const slow = rc.slowPolls();
  account.operations.set(id, { id, listId: list.id, status: 'pending', pollsLeft: slow, dueAt: rc.now() + (slow + 1) * 2_000, run });
  return ok({ operation_id: id });
}

function parseItems(list: SimList, body: unknown): { key: string; ip: string; comment?: string }[] | Response {
  if (!Array.isArray(body)) return fail(400, CODES.badRequest, 'the body must be an array of list items');
  const seen = new Set<string>();
  const parsed: { key: string; ip: string; comment?: string }[] = [];
  for (const entry of body as Record<string, unknown>[]) {
    if (typeof entry !== 'object' || entry === null) return fail(400, CODES.badRequest, 'each list item must be an object');
    if (list.kind !== 'ip' || typeof entry.ip !== 'string' || 'asn' in entry || 'hostname' in entry || 'redirect' in entry) {
      return fail(400, CODES.incompatibleItems, `List items incompatible with list type: list "${list.name}" is of kind ${list.kind}`);
    }
    const problem = itemProblem(entry.ip.includes('/') ? entry.ip : `${entry.ip}${entry.ip.includes(':') ? '/128' : '/32'}`);
    if (problem) return fail(400, CODES.invalidItem, `invalid list item ${JSON.stringify(entry.ip)}: ${problem}`);
    const key = fromItemValue(entry.ip) as string;
    if (seen.has(key)) return fail(400, CODES.duplicateItems, 'The add list items operation contains duplicate items');
    seen.add(key);
    parsed.push({ key, ip: entry.ip.toLowerCase(), ...(typeof entry.comment === 'string' ? { comment: entry.comment } : {}) });
  }
  return parsed;
}

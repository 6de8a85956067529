/**
 * The simulator's stateful model: accounts with their lists, items and bulk operations, zones with
 * their custom-rules entry point ruleset. Item writes are queued as bulk operations that move
 * pending → running → completed (or failed, changing nothing) as they are polled or as time passes.
 */

import { compareCidrs, parseCidr } from '../../../src/net/index.ts';
import { fromItemValue } from '../items.ts';
import type { CloudflareSeed, SeedRule } from './seed.ts';

export interface SimItem {
  id: string;
  ip: string;
  comment?: string;
  created_on: string;
  modified_on: string;
}

export interface SimList {
  id: string;
  name: string;
  kind: string;
  description: string;
  created_on: string;
  modified_on: string;
  /** Canonical CIDR → item (the value shown is `ip`, as it was sent). */
  items: Map<string, SimItem>;
}

export interface SimOperation {
  id: string;
  listId: string;
  status: 'pending' | 'running' | 'completed' | 'failed';
  error?: string;
  completed?: string;
  /** Polls still answered "not done" (slowOperations). */
  pollsLeft: number;
  /** Time after which the operation completes even if nobody polls. */
  dueAt: number;
  /** Applies the change to the list; returns an error text (nothing changed) or undefined. */
  run: () => string | undefined;
}

export interface SimAccount {
  id: string;
  lists: Map<string, SimList>;
  operations: Map<string, SimOperation>;
}

export interface SimRuleset {
  id: string;
  name: string;
  description: string;
  kind: 'zone';
  phase: 'http_request_firewall_custom';
  version: string;
  last_updated: string;
  rules: (SeedRule & { version: string; last_updated: string; ref: string })[];
}

export interface SimZone {
  id: string;
  rulesets: Map<string, SimRuleset>;
  entrypoint: string;
}

export class CloudflareState {
  readonly accounts = new Map<string, SimAccount>();
  readonly zones = new Map<string, SimZone>();
  readonly tokens: Set<string>;
  /** Items allowed across all custom lists of an account (quotas.listItems; the Free-plan 10,000 by default). */
  itemLimit: number;
  private counter = 0;
  private readonly now: () => number;

  constructor(seed: CloudflareSeed, now: () => number, itemLimit: number) {
    this.now = now;
    this.itemLimit = itemLimit;
    this.tokens = new Set(seed.tokens);
    const at = this.iso();
    for (const account of seed.accounts) {
      const lists = new Map<string, SimList>();
      for (const l of account.lists) {
        const list: SimList = { id: l.id, name: l.name, kind: l.kind, description: l.description, created_on: at, modified_on: at, items: new Map() };
        for (const ip of l.items) this.putItem(list, ip, undefined);
        lists.set(l.id, list);
      }
      this.accounts.set(account.id, { id: account.id, lists, operations: new Map() });
    }
    for (const zone of seed.zones) {
      const ruleset: SimRuleset = {
        id: zone.entrypoint.id,
        name: 'default',
        description: '',
        kind: 'zone',
        phase: 'http_request_firewall_custom',
        version: '1',
        last_updated: at,
        rules: zone.entrypoint.rules.map((r) => ({ ...r, version: '1', last_updated: at, ref: r.id })),
      };
      this.zones.set(zone.id, { id: zone.id, rulesets: new Map([[ruleset.id, ruleset]]), entrypoint: ruleset.id });
    }
  }

  iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** A fresh 32-hex id (deterministic: a counter, so runs repeat). */
  newId(): string {
    this.counter += 1;
    return this.counter.toString(16).padStart(32, '0');
  }

  /** Adds or replaces (by value) one item; Cloudflare keeps one item per value and overwrites its comment. */
  putItem(list: SimList, ip: string, comment: string | undefined): void {
    const key = fromItemValue(ip) ?? ip;
    const existing = list.items.get(key);
    const at = this.iso();
    list.items.set(key, {
      id: existing?.id ?? this.newId(),
      ip,
      ...(comment !== undefined ? { comment } : {}),
      created_on: existing?.created_on ?? at,
      modified_on: at,
    });
    list.modified_on = at;
  }

  /** Items sorted as Cloudflare documents it: by address, then by prefix length. */
  sortedItems(list: SimList): SimItem[] {
    return [...list.items.entries()]
      .sort(([a], [b]) => compareCidrs(parseCidr(a, { mapped: 'keep' }), parseCidr(b, { mapped: 'keep' })))
      .map(([, item]) => item);
  }

  /** Rules in any zone ruleset whose expression names the list (`$name`): Cloudflare's num_referencing_filters. */
  referencingRules(name: string): number {
    const pattern = new RegExp(`\\$${name}(?![a-z0-9_])`);
    let count = 0;
    for (const zone of this.zones.values()) for (const ruleset of zone.rulesets.values()) count += ruleset.rules.filter((r) => pattern.test(r.expression)).length;
    return count;
  }

  itemsInAccount(account: SimAccount): number {
    let total = 0;
    for (const list of account.lists.values()) total += list.items.size;
    return total;
  }

  /** An operation still pending or running on the account, if any (one at a time per account). */
  openOperation(account: SimAccount): SimOperation | undefined {
    this.settle(account);
    return [...account.operations.values()].find((op) => op.status === 'pending' || op.status === 'running');
  }

  /** Finishes operations that are due: no polls left to answer "not done", or their time has come. */
  settle(account: SimAccount): void {
    for (const op of account.operations.values()) {
      if ((op.status === 'pending' || op.status === 'running') && (op.pollsLeft <= 0 || this.now() >= op.dueAt)) this.finish(op);
    }
  }

  finish(op: SimOperation): void {
    const error = op.run();
    op.status = error ? 'failed' : 'completed';
    if (error) op.error = error;
    op.completed = this.iso();
  }
}

import { faults } from './faults.ts';
import { SCOPES, type Scope, type WafState } from './state.ts';

/**
 * Quotas per account and Region, from the WAF Developer Guide, "AWS WAF quotas": 100 IP sets per
 * scope (raisable), 10,000 addresses per IP set (fixed), 5,000 WCUs per web ACL (fixed; 1,500 are
 * included in the base price). Tests lower them to reach the refusals quickly.
 */
export const defaultQuotas = { ipSetsPerScope: 100, addressesPerIpSet: 10_000, webAclCapacity: 5_000 };
export type WafQuotas = typeof defaultQuotas;

/** A request body as the JSON 1.1 protocol carries it (PascalCase members). */
export type Body = Record<string, unknown>;

export interface OpContext {
  state: WafState;
  quotas: WafQuotas;
  body: Body;
  /** The simulator clock's time, for propagation delays. */
  now: number;
  /** Milliseconds after CreateIPSet before a web ACL may reference the set (0: at once). */
  propagationMs: number;
}

export type OpHandler = (ctx: OpContext) => Record<string, unknown>;

export function str(body: Body, member: string, required = true): string {
  const value = body[member];
  if (value === undefined && !required) return '';
  if (typeof value !== 'string' || value.length === 0) {
    throw faults.validation(`1 validation error detected: Value at '${lowerFirst(member)}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

export function scopeOf(body: Body): Scope {
  const scope = str(body, 'Scope');
  if (!SCOPES.includes(scope as Scope)) {
    throw faults.validation(`1 validation error detected: Value '${scope}' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [CLOUDFRONT, REGIONAL]`);
  }
  return scope as Scope;
}

/** Names: 1-128 characters of [A-Za-z0-9_-] (the EntityName pattern). */
export function checkName(name: string): void {
  if (!/^[\w-]{1,128}$/.test(name)) {
    throw faults.validation(`1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\w\\-]+$`);
  }
}

/** List paging: Limit 1-100 (default 100), NextMarker is the index to resume from. */
export function page<T>(items: T[], body: Body): { items: T[]; next?: string } {
  const limit = body.Limit === undefined ? 100 : Number(body.Limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw faults.validation(`1 validation error detected: Value '${String(body.Limit)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100`);
  }
  const start = typeof body.NextMarker === 'string' ? Number(body.NextMarker) : 0;
  if (!Number.isInteger(start) || start < 0) throw faults.invalidParameter('NEXT_MARKER', String(body.NextMarker), 'The marker is not valid');
  const slice = items.slice(start, start + limit);
  return start + limit < items.length ? { items: slice, next: String(start + limit) } : { items: slice };
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

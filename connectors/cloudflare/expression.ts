/**
 * Reads the few shapes of Cloudflare Rules language expressions the connector needs: the operator's
 * rule that references the owned list (`ip.src in $<list>`), and simple address blocks a person made
 * in the dashboard (`ip.src in {…}`, `ip.src eq …`), listed read-only. Anything else is not parsed.
 */

import { fromItemValue } from './items.ts';

/** A WAF custom rule as the rulesets API returns it. */
export interface RulesetRule {
  id: string;
  version?: string;
  action: string;
  expression: string;
  description?: string;
  enabled?: boolean;
  ref?: string;
  last_updated?: string;
}

/** Whether the expression matches source addresses against the named list. */
export function referencesList(expression: string, listName: string): boolean {
  const pattern = new RegExp(`(^|[\\s(])ip\\.src\\s+in\\s+\\$${listName}(?![a-z0-9_])`);
  return pattern.test(expression);
}

const INLINE = /^\(?\s*ip\.src\s+in\s+\{([^{}]*)\}\s*\)?$/;
const EQUALS = /^\(?\s*ip\.src\s+(?:eq|==)\s+([0-9a-fA-F:./]+)\s*\)?$/;

/** The CIDRs a simple address-matching expression names, or undefined when it is any other expression. */
export function inlineAddresses(expression: string): string[] | undefined {
  const text = expression.trim();
  const values = INLINE.exec(text)?.[1]?.trim().split(/\s+/) ?? (EQUALS.exec(text)?.[1] ? [EQUALS.exec(text)?.[1] as string] : undefined);
  if (!values?.length) return undefined;
  const cidrs = values.map(fromItemValue);
  return cidrs.every((c): c is string => c !== undefined) ? cidrs : undefined;
}

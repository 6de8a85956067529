/**
 * The `filter` of compute list calls, the subset portcullis and common tools use:
 * - regex form: `field eq literal` / `field ne literal` (RE2 full match), one bare expression or several
 *   parenthesized ones ANDed: `(name eq "pc-.*") (direction ne EGRESS)`;
 * - AIP-160 form: `field = value`, `field != value`, `field : value` (substring), joined by spaces or AND.
 * OR is not supported here (400), nor are comparisons on repeated fields.
 */

import { SimulatedApiError } from './envelope.ts';

type Predicate = (resource: Record<string, unknown>) => boolean;

function invalidFilter(filter: string, why: string): SimulatedApiError {
  return new SimulatedApiError({
    status: 400,
    reason: 'invalid',
    message: `Invalid value for field 'filter': '${filter}'. Invalid list filter expression (${why}).`,
  });
}

function fieldValue(resource: Record<string, unknown>, path: string): string | undefined {
  let value: unknown = resource;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  if (value === undefined || value === null || typeof value === 'object') return undefined;
  return String(value);
}

function unquote(literal: string): string {
  const t = literal.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1);
  return t;
}

const EXPRESSION = /^([a-zA-Z][a-zA-Z0-9_.]*)\s*(\beq\b|\bne\b|!=|=|:)\s*(.+)$/;

function parseExpression(text: string, filter: string): Predicate {
  const match = EXPRESSION.exec(text.trim());
  if (!match) throw invalidFilter(filter, `cannot parse "${text.trim()}"`);
  const [, field = '', operator = '', rawValue = ''] = match;
  const value = unquote(rawValue);
  if (operator === 'eq' || operator === 'ne') {
    let regex: RegExp;
    try {
      regex = new RegExp(`^(?:${value})$`);
    } catch {
      throw invalidFilter(filter, `bad regular expression "${value}"`);
    }
    const wanted = operator === 'eq';
    return (r) => {
      const v = fieldValue(r, field);
      return (v !== undefined && regex.test(v)) === wanted;
    };
  }
  if (operator === ':') return (r) => fieldValue(r, field)?.includes(value) ?? false;
  const wanted = operator === '=';
  return (r) => (fieldValue(r, field) === value) === wanted;
}

/** Splits "(a) (b)" or "(a) AND (b)" into its parenthesized parts. */
function parenthesizedParts(filter: string): string[] | undefined {
  const parts: string[] = [];
  let rest = filter.trim();
  while (rest.length > 0) {
    if (!rest.startsWith('(')) return undefined;
    const close = rest.indexOf(')');
    if (close < 0) return undefined;
    parts.push(rest.slice(1, close));
    rest = rest.slice(close + 1).trim().replace(/^AND\s+/, '');
  }
  return parts;
}

export function parseFilter(filter: string | null): Predicate {
  if (!filter || filter.trim() === '') return () => true;
  if (/\bOR\b/.test(filter)) throw invalidFilter(filter, 'OR is not supported by the simulator');
  const parts = filter.trim().startsWith('(') ? parenthesizedParts(filter) : [filter];
  if (!parts) throw invalidFilter(filter, 'unbalanced parentheses');
  const predicates = parts.flatMap((part) => {
    // AIP-160 allows "a = 1 AND b = 2" without parentheses.
    return /\s(=|!=|:)\s|\S(=|!=)\S/.test(part) ? part.split(/\s+AND\s+/).map((p) => parseExpression(p, filter)) : [parseExpression(part, filter)];
  });
  return (r) => predicates.every((p) => p(r));
}

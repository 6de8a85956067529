import type { Direction } from '../../src/connectors/types.ts';

/** Azure's name rule for security rules: 1-80 chars, starts with a word character, ends with one or '_'. */
export const MAX_RULE_NAME_LENGTH = 80;
const RULE_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;

export function isValidRuleName(name: string): boolean {
  return name.length <= MAX_RULE_NAME_LENGTH && RULE_NAME.test(name);
}

/** The ownership marker: a rule is ours when its name starts with the configured prefix. */
export function isOwnedName(name: string, namePrefix: string): boolean {
  return name.startsWith(namePrefix);
}

/**
 * One owned rule per (direction, priority) slot. Azure allows only one rule per slot anyway, so the
 * name is stable across retries and restarts: re-applying a create is an idempotent PUT of the same name.
 */
export function slotRuleName(namePrefix: string, direction: Direction, priority: number): string {
  return `${namePrefix}${direction === 'ingress' ? 'in' : 'out'}-${priority}`;
}

export type AddressFamily = 'v4' | 'v6';

/** Quarantine rules: one deny-all pair per address family (Azure rejects mixed families in a rule). */
export function quarantineRuleName(namePrefix: string, direction: Direction, family: AddressFamily): string {
  return `${namePrefix}quarantine-${direction === 'ingress' ? 'in' : 'out'}${family === 'v6' ? '6' : ''}`;
}

/** Quarantine rules carry the prefix but belong to quarantine/release, never to the reconciler. */
export function isQuarantineName(name: string, namePrefix: string): boolean {
  return name.toLowerCase().startsWith(`${namePrefix}quarantine-`.toLowerCase());
}

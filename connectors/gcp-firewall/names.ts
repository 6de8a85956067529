/** GCP resource naming (RFC 1035 labels) and the names portcullis gives its own firewall rules. */

import { createHash } from 'node:crypto';
import type { Direction, NormalizedRule } from '../../src/connectors/types.ts';

/** Address family as it appears in quarantine rule names ("quarantine-in4-..."). */
export type AddressFamily = 4 | 6;

export const GCP_NAME_PATTERN = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const GCP_NAME_MAX = 63;

export function isValidGcpName(name: string): boolean {
  return name.length <= GCP_NAME_MAX && GCP_NAME_PATTERN.test(name);
}

/** Joins parts into a valid name; too-long names keep their start and get a short hash so they stay unique. */
export function fitName(name: string): string {
  if (name.length <= GCP_NAME_MAX) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  const head = name.slice(0, GCP_NAME_MAX - hash.length - 1).replace(/-+$/, '');
  return `${head}-${hash}`;
}

/**
 * The name of a rule portcullis creates: prefix, what it does, its priority and a hash of its content.
 * Content-derived so a repeated create (a retry after a crash, a duplicate pass) finds its own rule
 * (409, then a GET shows the same rule) instead of making a second one. A rule updated in place keeps
 * its old name, so a later create can meet a different rule under its name: `salt` picks the next name.
 */
export function ruleName(prefix: string, rule: NormalizedRule, salt = 0): string {
  const dir = rule.direction === 'ingress' ? 'in' : 'eg';
  const content = JSON.stringify([
    rule.direction,
    rule.action,
    rule.protocol,
    [...rule.ports].map((p) => `${p.from}-${p.to}`).sort(),
    [...rule.cidrs].sort(),
    rule.sourceGroup ?? '',
    rule.priority,
    salt,
  ]);
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 10);
  return fitName(`${prefix}${rule.action}-${dir}-p${rule.priority}-${hash}`);
}

/** The network tag that marks a quarantined instance. */
export function quarantineTag(prefix: string): string {
  return fitName(`${prefix}quarantine`).replace(/-+$/, '');
}

/** Deny-all rules targeting the quarantine tag on one network, one per direction and address family. */
export function quarantineRuleName(prefix: string, network: string, direction: Direction, family: AddressFamily): string {
  const dir = direction === 'ingress' ? 'in' : 'eg';
  return fitName(`${prefix}quarantine-${dir}${family}-${network}`);
}

export function isQuarantineRuleName(prefix: string, name: string): boolean {
  return name.startsWith(`${prefix}quarantine-`);
}

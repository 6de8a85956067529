/** Checks a normalized rule against what a Cloudflare IP list and its block rule can express, before any call. */

import type { NormalizedRule } from '../../src/connectors/types.ts';
import type { CloudflareTarget } from './config.ts';
import { itemProblem } from './items.ts';

export function validateRule(target: CloudflareTarget, rule: NormalizedRule): string[] {
  const where = `Cloudflare target ${target.id} (list $${target.listName})`;
  const problems: string[] = [];
  if (rule.placement !== 'cf-list') problems.push(`placement "${rule.placement}" does not exist on Cloudflare; use "cf-list"`);
  if (rule.action !== 'deny') {
    problems.push(
      `${where} holds blocks only: its WAF custom rule blocks every address in the list, so an ${String(rule.action)} rule cannot be expressed; open access on a cloud firewall target instead`,
    );
  }
  if (rule.direction !== 'ingress') {
    problems.push(`${where}: a WAF custom rule sees requests coming to the zone only; direction must be ingress, not "${String(rule.direction)}"`);
  }
  if (rule.protocol !== 'all' || rule.ports.length > 0) {
    const ports = rule.ports.map((p) => (p.from === p.to ? `${p.from}` : `${p.from}-${p.to}`)).join(',');
    problems.push(
      `${where}: list items carry addresses only and the rule blocks every request from them; protocol must be "all" with no ports, not ${String(rule.protocol)}${ports ? ` ports ${ports}` : ''}`,
    );
  }
  for (const p of rule.ports) {
    if (!Number.isInteger(p.from) || !Number.isInteger(p.to) || p.from < 0 || p.to > 65535 || p.from > p.to) {
      problems.push(`port range ${p.from}-${p.to} is not valid (0-65535, from <= to)`);
    }
  }
  if (rule.priority !== 0) problems.push(`priority must be 0: list items have no order (got ${rule.priority})`);
  if (rule.sourceGroup !== undefined) problems.push(`${where}: a source group cannot be listed; name CIDRs`);
  if (rule.cidrs.length === 0) problems.push('a rule needs at least one CIDR');
  for (const cidr of rule.cidrs) {
    const problem = itemProblem(cidr);
    if (problem) problems.push(problem);
  }
  return problems;
}

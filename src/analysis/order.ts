import type { ConnectorType, NormalizedRule } from '../connectors/types.ts';
import type { Box } from './boxes.ts';

/**
 * How each cloud evaluates a placement:
 * - AWS security groups ("sg"): allow-only and unordered; a packet is allowed if any rule matches.
 * - AWS network ACLs ("nacl"): ascending rule number, first match wins, default deny.
 * - Azure NSG ("nsg"): ascending priority (unique per direction), first match wins.
 * - GCP firewall ("firewall"): ascending priority, first match wins; at equal priority deny beats allow.
 */
export function isOrdered(placement: NormalizedRule['placement']): boolean {
  return placement !== 'sg';
}

/** Indices of a group's rules in evaluation order (first evaluated first). */
export function evaluationOrder(rules: readonly NormalizedRule[], group: readonly number[], _cloud?: ConnectorType): number[] {
  return [...group].sort((x, y) => {
    const a = rules[x] as NormalizedRule;
    const b = rules[y] as NormalizedRule;
    if (a.priority !== b.priority) return a.priority - b.priority;
    // GCP: at equal priority a deny takes precedence. NACL and Azure priorities are unique, so this is moot there.
    if (a.action !== b.action) return a.action === 'deny' ? -1 : 1;
    return x - y;
  });
}

/**
 * A canonical order for order-independent redundancy: largest rules first (log2 of addresses × ports,
 * summed over a rule's boxes), so a small rule is checked against the large ones that may cover it,
 * alone or together. Any fixed order makes the set of flagged rules safe to remove together: each is
 * covered by rules before it, which are kept or covered in turn by rules before them.
 */
export function widestFirst(group: readonly number[], boxes: readonly Box[][]): number[] {
  const volume = (i: number) => {
    let total = 0;
    for (const b of boxes[i] ?? []) {
      let ports = 0;
      for (let k = 0; k < b.ports.length; k += 2) ports += (b.ports[k + 1] as number) - (b.ports[k] as number) + 1;
      total += 2 ** ((b.space === 'ipv6' ? 128 : 32) - b.prefix) * ports;
    }
    return Math.log2(total || 1);
  };
  const volumes = new Map(group.map((i) => [i, volume(i)]));
  return [...group].sort((x, y) => (volumes.get(y) as number) - (volumes.get(x) as number) || x - y);
}

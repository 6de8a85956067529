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
 * A canonical order for order-independent redundancy: widest rules first, so a narrow rule is checked
 * against the wide ones that may cover it. Any fixed order makes the set of flagged rules safe to remove
 * together (each is covered by rules before it that are kept, or covered in turn by earlier ones).
 */
export function widestFirst(group: readonly number[], boxes: readonly Box[][]): number[] {
  const width = (i: number) => {
    let best = 0;
    for (const b of boxes[i] ?? []) {
      const spaceBits = b.space === 'ipv6' ? 128 : 32;
      const addressBits = (spaceBits - b.prefix) / spaceBits;
      let ports = 0;
      for (let k = 0; k < b.ports.length; k += 2) ports += (b.ports[k + 1] as number) - (b.ports[k] as number) + 1;
      // Address width dominates; port span breaks ties.
      best = Math.max(best, addressBits * 1_000_000 + ports / 65_536);
    }
    return best;
  };
  const widths = new Map(group.map((i) => [i, width(i)]));
  return [...group].sort((x, y) => (widths.get(y) as number) - (widths.get(x) as number) || x - y);
}

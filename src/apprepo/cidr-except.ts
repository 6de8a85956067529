import { type Cidr, contains, formatCidr, overlaps, parseCidr } from '../net/cidr.ts';

/**
 * The blocks of `cidr` that lie outside every `except` block, as few prefixes as possible (a Kubernetes
 * ipBlock with `except`). Splits only where an except cuts, so the result has at most
 * prefix-difference entries per except.
 */
export function subtractCidrs(cidr: string, except: string[]): string[] {
  const outer = parseCidr(cidr, { hostBits: 'mask' });
  const holes = except.map((e) => parseCidr(e, { hostBits: 'mask' })).filter((h) => h.family === outer.family);
  const out: Cidr[] = [];
  const walk = (block: Cidr) => {
    if (holes.some((h) => contains(h, block))) return;
    if (!holes.some((h) => overlaps(h, block))) {
      out.push(block);
      return;
    }
    const bits = outer.family === 'ipv4' ? 32 : 128;
    const prefix = block.prefix + 1;
    const half = 1n << BigInt(bits - prefix);
    walk({ family: block.family, network: block.network, prefix });
    walk({ family: block.family, network: block.network + half, prefix });
  };
  walk(outer);
  return out.map(formatCidr);
}

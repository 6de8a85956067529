import {
  blockSize,
  type Cidr,
  commonSupernet,
  compareCidrs,
  contains,
  equalCidrs,
  formatCidr,
  parentOf,
  siblingOf,
  toCidr,
} from '../net/cidr.ts';
import type { IpFamily } from '../net/ip.ts';

/**
 * Exact aggregation: drops duplicates and blocks inside other blocks, and merges two sibling halves into
 * their parent only when both are present, until nothing changes. The result covers exactly the same
 * addresses as the input (never wider), canonical and sorted (IPv4 first). Families never mix.
 * Throws InvalidAddressError for invalid text.
 */
export function mergePrefixes(cidrs: readonly (Cidr | string)[]): string[] {
  return mergeCidrs(cidrs.map(toCidr)).map(formatCidr);
}

/** mergePrefixes on parsed blocks. One sorted pass with a stack reaches the fixpoint. */
export function mergeCidrs(cidrs: readonly Cidr[]): Cidr[] {
  const stack: Cidr[] = [];
  for (const cidr of [...cidrs].sort(compareCidrs)) {
    const top = stack.at(-1);
    // Sorted by network then prefix, a block inside an earlier one can only be inside the top.
    if (top && contains(top, cidr)) continue;
    stack.push(cidr);
    for (;;) {
      const right = stack.at(-1);
      const left = stack.at(-2);
      if (!right || !left || !isLeftSiblingOf(left, right)) break;
      stack.splice(-2, 2, parentOf(left)!);
    }
  }
  return stack;
}

function isLeftSiblingOf(left: Cidr, right: Cidr): boolean {
  if (left.family !== right.family || left.prefix !== right.prefix || left.network > right.network) return false;
  const sibling = siblingOf(left);
  return sibling !== undefined && equalCidrs(sibling, right);
}

export interface WidenOptions {
  /** Stop once the list holds at most this many prefixes. */
  maxPrefixes: number;
  /**
   * Per family (e.g. `{ ipv4: 24, ipv6: 64 }`): an added address always lies in a block of this length
   * that holds an asked address. Widened blocks that then turn out to be exact siblings still merge, so a
   * result block may be shorter, but only by joining such pieces. Omitted family: never widened.
   */
  minPrefixLength: Partial<Record<IpFamily, number>>;
}

export interface Widening {
  /** The wider block in the result. */
  to: string;
  /** The exactly-merged input blocks it replaces. */
  from: string[];
  /** Addresses now covered that were not asked for. */
  addedAddresses: bigint;
}

export interface WidenResult {
  cidrs: string[];
  /** Every block that covers more than was asked, for the audit log and the approval screen. */
  widened: Widening[];
  /** False when even widening down to the minimum prefix lengths could not reach `maxPrefixes`. */
  fits: boolean;
}

/**
 * Opt-in widening, for playbooks that explicitly allow covering addresses nobody asked for to save rules.
 * Starts from the exact merge, then greedily replaces the neighbouring pair whose common supernet adds
 * the fewest unrequested addresses (see `minPrefixLength`), until `maxPrefixes` is met. Pair costs are
 * computed once and refreshed only around each change, so thousands of prefixes take milliseconds.
 */
export function widenPrefixes(cidrs: readonly (Cidr | string)[], options: WidenOptions): WidenResult {
  const exact = mergeCidrs(cidrs.map(toCidr));
  const list = [...exact];
  const candidate = (i: number) => pairWidening(list, i, options.minPrefixLength);
  // costs[i] is the widening of the pair (list[i], list[i + 1]), undefined when not allowed.
  const costs = list.slice(0, -1).map((_, i) => candidate(i));
  while (list.length > options.maxPrefixes) {
    let best = -1;
    costs.forEach((c, i) => {
      if (c && (best < 0 || c.cost < costs[best]!.cost)) best = i;
    });
    if (best < 0) break;
    const before = list.length;
    const at = replaceWith(list, best, costs[best]!.block);
    // Old elements [at, at + replaced) became one block at `at`: refresh the pairs on either side of it.
    const replaced = before - list.length + 1;
    const firstPair = Math.max(0, at - 1);
    const lastOldPair = Math.min(before - 2, at + replaced - 1);
    const fresh: (Candidate | undefined)[] = [];
    for (let i = firstPair; i <= Math.min(list.length - 2, at); i++) fresh.push(candidate(i));
    costs.splice(firstPair, lastOldPair - firstPair + 1, ...fresh);
  }
  const widened: Widening[] = [];
  for (const block of list) {
    const inside = exact.filter((c) => contains(block, c));
    if (inside.length === 1 && equalCidrs(inside[0]!, block)) continue;
    const asked = inside.reduce((sum, c) => sum + blockSize(c), 0n);
    widened.push({ to: formatCidr(block), from: inside.map(formatCidr), addedAddresses: blockSize(block) - asked });
  }
  return { cidrs: list.map(formatCidr), widened, fits: list.length <= options.maxPrefixes };
}

interface Candidate {
  block: Cidr;
  cost: bigint;
}

/** Replaces the run of blocks inside `block` around index i, then joins exact siblings; returns its index. */
function replaceWith(list: Cidr[], i: number, block: Cidr): number {
  let start = i;
  while (start > 0 && contains(block, list[start - 1]!)) start--;
  let end = i;
  while (end + 1 < list.length && contains(block, list[end + 1]!)) end++;
  list.splice(start, end - start + 1, block);
  let at = start;
  for (;;) {
    const left = list[at - 1];
    const right = list[at + 1];
    if (left && isLeftSiblingOf(left, list[at]!)) {
      list.splice(at - 1, 2, parentOf(left)!);
      at--;
    } else if (right && isLeftSiblingOf(list[at]!, right)) list.splice(at, 2, parentOf(list[at]!)!);
    else return at;
  }
}

function pairWidening(sorted: readonly Cidr[], i: number, minPrefixLength: WidenOptions['minPrefixLength']): Candidate | undefined {
  const a = sorted[i]!;
  const b = sorted[i + 1]!;
  const limit = minPrefixLength[a.family];
  if (a.family !== b.family || limit === undefined) return undefined;
  const block = commonSupernet(a, b);
  if (block.prefix < limit) return undefined;
  // Cost: addresses the block adds beyond everything it swallows (it may swallow more than the pair).
  let covered = 0n;
  for (let j = i; j >= 0 && contains(block, sorted[j]!); j--) covered += blockSize(sorted[j]!);
  for (let j = i + 1; j < sorted.length && contains(block, sorted[j]!); j++) covered += blockSize(sorted[j]!);
  return { block, cost: blockSize(block) - covered };
}

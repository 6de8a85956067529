import type { RuleAction } from '../connectors/types.ts';
import { EMPTY, type PortSet, intersect, isSubset, overlapsSet, subtract, union } from './port-set.ts';

/** Ports at a trie node first decided by one rule. */
interface Label {
  ports: PortSet;
  action: RuleAction;
  rule: number;
}

interface Node {
  network: bigint;
  prefix: number;
  parent: Node | undefined;
  children: [Node | undefined, Node | undefined];
  labels: Label[];
  /** Union of this node's labels, and per action. */
  own: PortSet;
  ownAllow: PortSet;
  ownDeny: PortSet;
  /** Ports decided for every address of this block by labels in its subtree (ancestors not counted). */
  full: PortSet;
  /** Ports for which some address of the block is decided allow (deny) by its subtree's deepest label. */
  reachAllow: PortSet;
  reachDeny: PortSet;
  /** Ports labeled allow (deny) anywhere in the subtree: prunes overlap tests and searches for related rules. */
  anyAllow: PortSet;
  anyDeny: PortSet;
}

/** What earlier rules decide inside one (block × ports) box. */
export interface BoxQuery {
  /** Every address and port of the box is already decided by an earlier rule. */
  covered: boolean;
  /** Some part of the box is decided allow / deny by an earlier rule. */
  hitsAllow: boolean;
  hitsDeny: boolean;
}

/**
 * A path-compressed binary trie over one address space (one protocol) that records the first-match
 * decision of rules inserted in evaluation order: inserting a rule labels only the ports not already
 * decided by an ancestor block or by itself, and at any address the deepest label wins (a deeper block
 * labeled later never claims ports an ancestor decided first). Subtree summaries (`full`, `reach*`)
 * answer "is this box covered by the union of earlier rules, and by which actions" in O(depth) set
 * operations, which is what finds a rule covered only by several others together.
 */
export class CoverageTrie {
  private readonly root: Node;
  private readonly masks: bigint[];
  /** bitMasks[p]: the bit that chooses the child of a node with prefix p. */
  private readonly bitMasks: bigint[];

  constructor(bits: number) {
    this.masks = Array.from({ length: bits + 1 }, (_, p) => ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - p)) - 1n));
    this.bitMasks = Array.from({ length: bits }, (_, p) => 1n << BigInt(bits - 1 - p));
    this.root = newNode(0n, 0, undefined);
  }

  query(network: bigint, prefix: number, ports: PortSet): BoxQuery {
    const { ancAllow, ancDeny, within } = this.walk(network, prefix, false);
    const full = within && within.prefix === prefix ? within.full : EMPTY;
    const notFull = subtract(ports, full);
    const covered = isSubset(ports, union(union(ancAllow, ancDeny), full));
    const hitsAllow = overlapsSet(ports, within?.reachAllow ?? EMPTY) || overlapsSet(notFull, ancAllow);
    const hitsDeny = overlapsSet(ports, within?.reachDeny ?? EMPTY) || overlapsSet(notFull, ancDeny);
    return { covered, hitsAllow, hitsDeny };
  }

  /** True when any inserted rule shares an address and a port with the box. */
  overlaps(network: bigint, prefix: number, ports: PortSet): boolean {
    const { ancAllow, ancDeny, within } = this.walk(network, prefix, false);
    return overlapsSet(ports, union(ancAllow, ancDeny)) || overlapsSet(ports, within?.anyAllow ?? EMPTY) || overlapsSet(ports, within?.anyDeny ?? EMPTY);
  }

  insert(network: bigint, prefix: number, ports: PortSet, action: RuleAction, rule: number): void {
    const { ancAllow, ancDeny, within } = this.walk(network, prefix, true);
    const node = within as Node;
    // Ports an ancestor, this block, or its whole subtree already decides are not this rule's to claim.
    const fresh = subtract(ports, union(union(ancAllow, ancDeny), node.full));
    if (fresh.length === 0) return;
    node.labels.push({ ports: fresh, action, rule });
    node.own = union(node.own, fresh);
    if (action === 'allow') node.ownAllow = union(node.ownAllow, fresh);
    else node.ownDeny = union(node.ownDeny, fresh);
    // Summaries only change along the path, and stop changing at the first node whose summary holds.
    for (let n: Node | undefined = node; n; n = n.parent) if (!summarize(n) && n !== node) break;
  }

  /**
   * Rules whose first-match labels share ports with the box: those of containing blocks, then of blocks
   * inside it, at most `limit`, optionally of one action only.
   */
  relatedRules(network: bigint, prefix: number, ports: PortSet, limit: number, action?: RuleAction): number[] {
    const found = new Set<number>();
    const take = (n: Node) => {
      for (const l of n.labels) {
        if (found.size >= limit) return;
        if ((action === undefined || l.action === action) && overlapsSet(l.ports, ports)) found.add(l.rule);
      }
    };
    let node: Node | undefined = this.root;
    let inside: Node | undefined;
    while (node && found.size < limit) {
      if (node.prefix >= prefix) {
        inside = node;
        break;
      }
      take(node);
      const child: Node | undefined = node.children[this.bitAt(network, node.prefix)];
      if (!child) break;
      if (child.prefix <= prefix && (network & (this.masks[child.prefix] as bigint)) === child.network) node = child;
      else if (child.prefix > prefix && (child.network & (this.masks[prefix] as bigint)) === network) {
        inside = child;
        break;
      } else break;
    }
    const stack = inside ? [inside] : [];
    while (stack.length && found.size < limit) {
      const n = stack.pop() as Node;
      const allow = action !== 'deny' && overlapsSet(n.anyAllow, ports);
      if (!allow && !(action !== 'allow' && overlapsSet(n.anyDeny, ports))) continue;
      take(n);
      for (const c of n.children) if (c) stack.push(c);
    }
    return [...found];
  }

  private bitAt(network: bigint, position: number): 0 | 1 {
    return (network & (this.bitMasks[position] as bigint)) === 0n ? 0 : 1;
  }

  private contains(outer: { network: bigint; prefix: number }, network: bigint, prefix: number): boolean {
    return outer.prefix <= prefix && (network & (this.masks[outer.prefix] as bigint)) === outer.network;
  }

  /**
   * Walks from the root to the block, folding ancestor labels (deepest wins) into per-action port sets.
   * `within` is the node for the block itself or the highest node inside it (undefined when the subtree
   * holds nothing); with `create`, the node for the block is created (splitting edges) and returned.
   */
  private walk(network: bigint, prefix: number, create: boolean) {
    let ancAllow: PortSet = EMPTY;
    let ancDeny: PortSet = EMPTY;
    let node = this.root;
    for (;;) {
      if (node.prefix === prefix) return { ancAllow, ancDeny, within: node as Node | undefined };
      if (node.own.length) {
        ancAllow = union(subtract(ancAllow, node.own), node.ownAllow);
        ancDeny = union(subtract(ancDeny, node.own), node.ownDeny);
      }
      const bit = this.bitAt(network, node.prefix);
      const child = node.children[bit];
      if (child && this.contains(child, network, prefix)) {
        node = child;
        continue;
      }
      if (!create) {
        const inside = child && child.prefix > prefix && this.contains({ network, prefix }, child.network, child.prefix);
        return { ancAllow, ancDeny, within: inside ? child : undefined };
      }
      const created = newNode(network, prefix, node);
      if (!child) {
        node.children[bit] = created;
      } else if (this.contains({ network, prefix }, child.network, child.prefix)) {
        created.children[this.bitAt(child.network, prefix)] = child;
        child.parent = created;
        node.children[bit] = created;
        summarize(created);
      } else {
        let split = Math.min(prefix, child.prefix) - 1;
        while ((network & (this.masks[split] as bigint)) !== (child.network & (this.masks[split] as bigint))) split--;
        // Grow split to the longest common prefix.
        while (split + 1 < Math.min(prefix, child.prefix) && (network & (this.masks[split + 1] as bigint)) === (child.network & (this.masks[split + 1] as bigint))) split++;
        const branch = newNode(network & (this.masks[split] as bigint), split, node);
        branch.children[this.bitAt(child.network, split)] = child;
        branch.children[this.bitAt(network, split)] = created;
        child.parent = branch;
        created.parent = branch;
        node.children[bit] = branch;
        summarize(branch);
      }
      return { ancAllow, ancDeny, within: created as Node | undefined };
    }
  }
}

function newNode(network: bigint, prefix: number, parent: Node | undefined): Node {
  return {
    network,
    prefix,
    parent,
    children: [undefined, undefined],
    labels: [],
    own: EMPTY,
    ownAllow: EMPTY,
    ownDeny: EMPTY,
    full: EMPTY,
    reachAllow: EMPTY,
    reachDeny: EMPTY,
    anyAllow: EMPTY,
    anyDeny: EMPTY,
  };
}

/** Recomputes a node's subtree summaries from its labels and its children's; returns whether any changed. */
function summarize(n: Node): boolean {
  const [a, b] = n.children;
  // A child one bit longer is a whole half; a longer one leaves part of its half without labels.
  const halfFull = (c: Node | undefined) => (c && c.prefix === n.prefix + 1 ? c.full : EMPTY);
  const both = intersect(halfFull(a), halfFull(b));
  const full = union(n.own, both);
  const reachAllow = union(union(subtract(n.ownAllow, both), a?.reachAllow ?? EMPTY), b?.reachAllow ?? EMPTY);
  const reachDeny = union(union(subtract(n.ownDeny, both), a?.reachDeny ?? EMPTY), b?.reachDeny ?? EMPTY);
  const anyAllow = union(union(n.ownAllow, a?.anyAllow ?? EMPTY), b?.anyAllow ?? EMPTY);
  const anyDeny = union(union(n.ownDeny, a?.anyDeny ?? EMPTY), b?.anyDeny ?? EMPTY);
  const changed =
    !same(full, n.full) || !same(reachAllow, n.reachAllow) || !same(reachDeny, n.reachDeny) || !same(anyAllow, n.anyAllow) || !same(anyDeny, n.anyDeny);
  n.full = full;
  n.reachAllow = reachAllow;
  n.reachDeny = reachDeny;
  n.anyAllow = anyAllow;
  n.anyDeny = anyDeny;
  return changed;
}

function same(a: PortSet, b: PortSet): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

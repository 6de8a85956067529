/**
 * Sets of ports as sorted, disjoint, inclusive intervals flattened into one array:
 * [from0, to0, from1, to1, ...]. Small and allocation-light: the coverage trie combines
 * these at every node on a path, so they must stay cheap.
 */
export type PortSet = readonly number[];

export const PORT_MAX = 65_535;
export const EMPTY: PortSet = Object.freeze([]) as PortSet;
export const ALL_PORTS: PortSet = Object.freeze([0, PORT_MAX]) as PortSet;

/** Builds a set from possibly overlapping, unsorted ranges. */
export function portSetFromRanges(ranges: readonly { from: number; to: number }[]): PortSet {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const out: number[] = [];
  for (const r of sorted) {
    const last = out.length - 1;
    if (last > 0 && r.from <= (out[last] as number) + 1) out[last] = Math.max(out[last] as number, r.to);
    else out.push(r.from, r.to);
  }
  return out;
}

export function union(a: PortSet, b: PortSet): PortSet {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let from: number;
    let to: number;
    if (j >= b.length || (i < a.length && (a[i] as number) <= (b[j] as number))) {
      from = a[i] as number;
      to = a[i + 1] as number;
      i += 2;
    } else {
      from = b[j] as number;
      to = b[j + 1] as number;
      j += 2;
    }
    const last = out.length - 1;
    if (last > 0 && from <= (out[last] as number) + 1) out[last] = Math.max(out[last] as number, to);
    else out.push(from, to);
  }
  return out;
}

export function intersect(a: PortSet, b: PortSet): PortSet {
  if (a.length === 0 || b.length === 0) return EMPTY;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const from = Math.max(a[i] as number, b[j] as number);
    const to = Math.min(a[i + 1] as number, b[j + 1] as number);
    if (from <= to) out.push(from, to);
    if ((a[i + 1] as number) < (b[j + 1] as number)) i += 2;
    else j += 2;
  }
  return out;
}

/** a minus b. */
export function subtract(a: PortSet, b: PortSet): PortSet {
  if (a.length === 0 || b.length === 0) return a;
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let from = a[i] as number;
    const to = a[i + 1] as number;
    while (j < b.length && (b[j + 1] as number) < from) j += 2;
    let k = j;
    while (k < b.length && (b[k] as number) <= to && from <= to) {
      if ((b[k] as number) > from) out.push(from, (b[k] as number) - 1);
      from = Math.max(from, (b[k + 1] as number) + 1);
      k += 2;
    }
    if (from <= to) out.push(from, to);
  }
  return out;
}

export function overlapsSet(a: PortSet, b: PortSet): boolean {
  return intersect(a, b).length > 0;
}

/** True when every port of a is in b. */
export function isSubset(a: PortSet, b: PortSet): boolean {
  return subtract(a, b).length === 0;
}

export function formatPortSet(a: PortSet): string {
  if (a.length === 2 && a[0] === 0 && a[1] === PORT_MAX) return 'all ports';
  const parts: string[] = [];
  for (let i = 0; i < a.length; i += 2) parts.push(a[i] === a[i + 1] ? `${a[i]}` : `${a[i]}-${a[i + 1]}`);
  return parts.join(',');
}

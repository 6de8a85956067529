/** IPv4/IPv6 CIDR parsing and overlap, for the block search (a few lines, no dependency needed). */

export interface Range {
  v: 4 | 6;
  start: bigint;
  end: bigint;
}

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

function parseV6(text: string): bigint | undefined {
  if (!/^[0-9a-f:]+$/i.test(text) || text.split('::').length > 2) return undefined;
  const [head = '', tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const missing = 8 - h.length - t.length;
  if ((tail === undefined && missing !== 0) || missing < 0) return undefined;
  const groups = [...h, ...Array(tail === undefined ? 0 : missing).fill('0'), ...t];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    n = (n << 16n) | BigInt(`0x${g}`);
  }
  return n;
}

export function parseRange(text: string): Range | undefined {
  const [addr = '', bits] = text.trim().split('/');
  const v = addr.includes(':') ? 6 : 4;
  const n = v === 4 ? parseV4(addr) : parseV6(addr);
  if (n === undefined) return undefined;
  const width = v === 4 ? 32 : 128;
  const prefix = bits === undefined ? width : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > width) return undefined;
  const host = (1n << BigInt(width - prefix)) - 1n;
  return { v, start: n & ~host, end: (n & ~host) | host };
}

export function overlaps(a: Range, b: Range): boolean {
  return a.v === b.v && a.start <= b.end && b.start <= a.end;
}

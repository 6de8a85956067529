/**
 * How a block's CIDR is stored so that listing and address lookups read an index instead of scanning
 * (migrations/0017_i11_blocks_index.sql, src/store/sql/runs.ts). Written here rather than taken from a
 * library because it is a few lines over src/net (which already parses and masks), and the text forms
 * must sort the same on every engine.
 *
 * - `net_start` / `net_end`: the first and last address of the CIDR as a family tag ("4" or "6")
 *   followed by fixed-width lowercase hex (8 digits for IPv4, 32 for IPv6). Text of one width and one
 *   alphabet ([0-9a-f]) compares like the numbers on SQLite, D1 and PostgreSQL alike (no punctuation,
 *   no case, so even a non-C PostgreSQL collation agrees with byte order).
 * - `block_key`: `net_start`, the prefix length as two hex digits and the direction ("i"ngress or
 *   "e"gress): one block of GET /v1/blocks (every target's intent for that CIDR and direction shares it),
 *   and the keyset the cursor pages on, in address order. Intents without a CIDR (a source group) get
 *   "0" + direction and an empty `net_start`/`net_end`, so they list first and never match an address.
 *
 * An address lookup asks for `net_start IN (the address masked to each prefix length 0..32 or 0..128)
 * AND net_end >= address`: at most 33 (IPv4) or 129 (IPv6) point lookups in the `net_start` index, and
 * exactly the blocks that contain the address (a containing /p block starts at the address masked to p;
 * a block starting there ends at or past the address only if it contains it).
 */
import { type Cidr, type IpAddress, type IpFamily, addressBits, lastAddress, parseCidr, prefixMask } from '../net/index.ts';
import type { IntentSpec } from './types.ts';

const WIDTH: Record<IpFamily, number> = { ipv4: 8, ipv6: 32 };
const TAG: Record<IpFamily, string> = { ipv4: '4', ipv6: '6' };

/** An address as stored: family tag and fixed-width hex. */
export const addressKey = (family: IpFamily, value: bigint): string => TAG[family] + value.toString(16).padStart(WIDTH[family], '0');

export interface BlockColumns {
  netStart: string;
  netEnd: string;
  blockKey: string;
}

const directionChar = (direction: IntentSpec['direction']) => (direction === 'egress' ? 'e' : 'i');

/** The stored columns of an intent's spec (a CIDR that does not parse is treated as no CIDR). */
export function blockColumns(spec: IntentSpec): BlockColumns {
  let cidr: Cidr | undefined;
  if (spec.cidr) {
    try {
      cidr = parseCidr(spec.cidr, { hostBits: 'mask' });
    } catch {
      cidr = undefined;
    }
  }
  if (!cidr) return { netStart: '', netEnd: '', blockKey: `0${directionChar(spec.direction)}` };
  const netStart = addressKey(cidr.family, cidr.network);
  return {
    netStart,
    netEnd: addressKey(cidr.family, lastAddress(cidr)),
    blockKey: `${netStart}${cidr.prefix.toString(16).padStart(2, '0')}${directionChar(spec.direction)}`,
  };
}

/** The network address of `address` at every prefix length, as stored, without repeats (at most 33 or 129). */
export function containingStarts(address: IpAddress): string[] {
  const out = new Set<string>();
  for (let prefix = 0; prefix <= addressBits(address.family); prefix++) {
    out.add(addressKey(address.family, address.value & prefixMask(address.family, prefix)));
  }
  return [...out];
}

/** A block_key as a cursor carries it; anything else is not a cursor this API issued. */
const BLOCK_KEY = /^(0|4[0-9a-f]{10}|6[0-9a-f]{34})[ie]$/;
const CURSOR_PREFIX = 'b1.';

/** The opaque cursor of GET /v1/blocks: a versioned block_key, base64url. */
export const encodeBlockCursor = (key: string): string =>
  btoa(CURSOR_PREFIX + key).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '');

/** The block_key a cursor carries, or undefined when it is not one this API issued. */
export function decodeBlockCursor(cursor: string): string | undefined {
  let text = '';
  try {
    text = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'));
  } catch {
    return undefined;
  }
  const key = text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : '';
  return BLOCK_KEY.test(key) ? key : undefined;
}

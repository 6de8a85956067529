import { type Cidr, prefixMask } from './cidr.ts';
import type { IpFamily } from './ip.ts';

/**
 * Seeded generators for property-style tests (same seed, same cases, so a failure can be replayed).
 * Not used at runtime.
 */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number;
  int(minInclusive: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  bigint(bits: number): bigint;
}

/** mulberry32: tiny, fast, good enough to spread test cases. */
export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: <T>(items: readonly T[]) => items[int(0, items.length - 1)] as T,
    bigint: (bits: number) => {
      let value = 0n;
      for (let i = 0; i < bits; i += 16) value = (value << 16n) | BigInt(int(0, 0xffff));
      return value & ((1n << BigInt(bits)) - 1n);
    },
  };
}

/**
 * A random block whose addresses cluster inside `within` (so blocks nest, touch and merge often,
 * which is where packing bugs live). Prefix lengths are drawn from [minPrefix, maxPrefix].
 */
export function randomCidr(
  random: SeededRandom,
  family: IpFamily,
  within: { network: bigint; prefix: number },
  minPrefix: number,
  maxPrefix: number,
): Cidr {
  const bits = family === 'ipv4' ? 32 : 128;
  const prefix = random.int(Math.max(minPrefix, within.prefix), maxPrefix);
  const hostBits = bits - within.prefix;
  const value = within.network | random.bigint(hostBits);
  return { family, prefix, network: value & prefixMask(family, prefix) };
}

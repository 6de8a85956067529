import { cryptoProvider } from '../crypto/provider.ts';
import { canonicalJson } from './canonical.ts';
import type { HashedEvent } from './types.ts';

export async function sha256Hex(text: string): Promise<string> {
  return cryptoProvider().sha256Hex(text);
}

/** The part of an event that is hashed: everything but the hashes themselves. */
export function hashedBody(event: HashedEvent | Record<string, unknown>): string {
  return canonicalJson(event);
}

/** hash = SHA-256( prev_hash ‖ canonical JSON of the event ), hex. */
export function chainHash(prevHash: string, canonicalEvent: string): Promise<string> {
  return sha256Hex(prevHash + canonicalEvent);
}

import { canonicalJson } from './canonical.ts';
import type { AuditEvent } from './types.ts';

const encoder = new TextEncoder();

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The part of an event that is hashed: everything but the hashes themselves. */
export function hashedBody(event: Omit<AuditEvent, 'hash' | 'prevHash'>): string {
  return canonicalJson(event);
}

/** hash = SHA-256( prev_hash ‖ canonical JSON of the event ), hex. */
export function chainHash(prevHash: string, canonicalEvent: string): Promise<string> {
  return sha256Hex(prevHash + canonicalEvent);
}

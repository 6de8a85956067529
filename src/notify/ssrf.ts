/**
 * Start-up check of an outbound URL (notification subscriptions, SIEM sinks): https only, and never
 * an address in loopback, private, CGNAT, link-local, multicast or other reserved space, unless the
 * service runs as the sandbox. Host names are resolved, and every address they resolve to must pass.
 */
import { reservedRangesFor } from '../net/reserved.ts';

const REFUSED_KINDS = ['private', 'shared', 'loopback', 'link-local', 'multicast', 'unspecified', 'broadcast', 'reserved', 'translation'] as const;

export type Resolve = (host: string) => Promise<string[]>;

export class DestinationRefused extends Error {
  override name = 'DestinationRefused';
}

/** Throws DestinationRefused naming what is wrong; returns the addresses checked. */
export async function checkDestination(
  where: string,
  url: string,
  options: { sandbox: boolean; resolve: Resolve; schemes?: string[] },
): Promise<string[]> {
  const parsed = new URL(url);
  const schemes = options.schemes ?? ['https:'];
  if (!options.sandbox && !schemes.includes(parsed.protocol)) {
    throw new DestinationRefused(`${where}: ${parsed.protocol}// is refused; expected ${schemes.map((s) => `${s}//`).join(' or ')} (plain http only with sandbox: true)`);
  }
  if (options.sandbox) return [];
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const addresses = await options.resolve(host).catch((error: unknown) => {
    throw new DestinationRefused(`${where}: ${host} does not resolve (${String(error)})`);
  });
  if (!addresses.length) throw new DestinationRefused(`${where}: ${host} does not resolve`);
  for (const address of addresses) {
    const hit = reservedRangesFor(address, REFUSED_KINDS)[0];
    if (hit) {
      throw new DestinationRefused(
        `${where}: ${host} resolves to ${address}, in ${hit.range.description} (${hit.range.cidr}, ${hit.range.rfc}); outbound calls go to public addresses only (no SSRF)`,
      );
    }
  }
  return addresses;
}

/**
 * Outbound address checks (notification subscriptions, SIEM sinks), runtime-free. At start the URL
 * must be https (or tls for syslog) and every address its host resolves to must be public; and the
 * same address check runs again at EVERY connect (see src/net/guarded-http.ts on Node), so a name
 * that re-resolves to loopback, private or metadata space after start (DNS rebinding) is refused
 * before any byte is sent. `allowNetworks` names private ranges an operator explicitly allows (an
 * internal SIEM, say); the sandbox allows everything (loopback receivers in tests and demos).
 */
import { contains, parseCidr, type Cidr } from '../net/cidr.ts';
import { reservedRangesFor } from '../net/reserved.ts';

const REFUSED_KINDS = ['private', 'shared', 'loopback', 'link-local', 'multicast', 'unspecified', 'broadcast', 'reserved', 'translation'] as const;

export type Resolve = (host: string) => Promise<string[]>;

export class DestinationRefused extends Error {
  override name = 'DestinationRefused';
}

/** Who may be reached: the resolver used at start and at every connect, and what is allowed besides public space. */
export interface OutboundPolicy {
  sandbox: boolean;
  resolve: Resolve;
  /** CIDRs outside public space that deliveries may still reach (config `allowNetworks`). */
  allowNetworks?: readonly string[];
}

const parsedAllow = new WeakMap<readonly string[], Cidr[]>();
function allowList(policy: OutboundPolicy): Cidr[] {
  const list = policy.allowNetworks ?? [];
  let parsed = parsedAllow.get(list);
  if (!parsed) {
    parsed = list.map((c) => parseCidr(c, { hostBits: 'mask' }));
    parsedAllow.set(list, parsed);
  }
  return parsed;
}

const isIpLiteral = (host: string): boolean => /^[\d.]+$/.test(host) || host.includes(':');

/** Throws DestinationRefused when the address is internal and not explicitly allowed. */
export function checkAddress(where: string, host: string, address: string, policy: OutboundPolicy): void {
  if (policy.sandbox) return;
  const hit = reservedRangesFor(address, REFUSED_KINDS)[0];
  if (!hit) return;
  // Compared as the IPv4 address an IPv4-mapped IPv6 address carries.
  const cidr = parseCidr(address);
  if (allowList(policy).some((allowed) => contains(allowed, cidr))) return;
  throw new DestinationRefused(
    `${where}: ${host} resolves to ${address}, in ${hit.range.description} (${hit.range.cidr}, ${hit.range.rfc}); outbound calls go to public addresses only (no SSRF), unless allowNetworks lists the range`,
  );
}

/**
 * Resolves the host now and checks every address it resolves to; returns them (the caller connects to
 * one of these, never to a fresh resolution). IP literals are checked as they are.
 */
export async function resolveChecked(where: string, host: string, policy: OutboundPolicy): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  const addresses = isIpLiteral(bare)
    ? [bare]
    : await policy.resolve(bare).catch((error: unknown) => {
        throw new DestinationRefused(`${where}: ${bare} does not resolve (${String(error)})`);
      });
  if (!addresses.length) throw new DestinationRefused(`${where}: ${bare} does not resolve`);
  for (const address of addresses) checkAddress(where, bare, address, policy);
  return addresses;
}

/** The start-up check: scheme, then the addresses. Throws DestinationRefused naming what is wrong; returns the addresses checked. */
export async function checkDestination(where: string, url: string, options: OutboundPolicy & { schemes?: string[] }): Promise<string[]> {
  const parsed = new URL(url);
  const schemes = options.schemes ?? ['https:'];
  if (!options.sandbox && !schemes.includes(parsed.protocol)) {
    throw new DestinationRefused(`${where}: ${parsed.protocol}// is refused; expected ${schemes.map((s) => `${s}//`).join(' or ')} (plain http only with sandbox: true)`);
  }
  if (options.sandbox) return [];
  return resolveChecked(where, parsed.hostname, options);
}

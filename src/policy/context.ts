import type { Config } from '../config/schema.ts';
import { type Cidr, formatCidr, tryParseCidr } from '../net/cidr.ts';
import { INTERNAL_KINDS, reservedRangesFor } from '../net/reserved.ts';
import type { ActionInputs } from '../playbooks/inputs.ts';
import { PolicyRequestError } from './errors.ts';

/** The Cedar context of one source block (the shape declared in portcullis.cedarschema). */
export interface RequestContext {
  playbook: string;
  source: { __extn: { fn: 'ip'; arg: string } };
  sourcePrefixLength: number;
  sourceIsAnywhere: boolean;
  sourceIsInternet: boolean;
  sourceTier: string;
  protocol: string;
  portFrom: number;
  portTo: number;
  allPorts: boolean;
  ttlSeconds: number;
  hasTtl: boolean;
}

export interface SourceContext {
  /** The canonical source block this context is about. */
  source: string;
  context: RequestContext;
}

/**
 * True unless the block lies wholly inside one private, shared (CGNAT), loopback or link-local range.
 * A block that reaches any public address (0.0.0.0/0, 8.0.0.0/6, 10.0.0.0/7...) is the internet.
 */
export function isInternetSource(cidr: Cidr): boolean {
  return !reservedRangesFor(cidr, INTERNAL_KINDS).some((m) => m.relation === 'inside');
}

/**
 * Expands an allow/revoke request into one Cedar context per distinct source block: `from` tiers become
 * their CIDRs, literal CIDRs are canonicalised. Refuses an unknown `to` tier, an unknown `from` name, and
 * a source tier without CIDRs, naming the input.
 */
export function sourceContexts(
  inputs: ActionInputs['allow'],
  tiers: Config['tiers'],
  playbook: string,
  defaultTtlMs?: number,
): SourceContext[] {
  if (!tiers[inputs.to]) {
    throw new PolicyRequestError('unknown_tier', 'to', `unknown tier "${inputs.to}" (known tiers: ${Object.keys(tiers).join(', ') || 'none'})`);
  }
  const sources = new Map<string, { cidr: Cidr; tier: string }>();
  inputs.from.forEach((from, i) => {
    const tier = tiers[from];
    if (tier) {
      if (!tier.cidrs.length) {
        throw new PolicyRequestError('validation_failed', `from[${i}]`, `tier "${from}" declares no cidrs, so it cannot be a source`);
      }
      for (const text of tier.cidrs) {
        const parsed = tryParseCidr(text);
        if (parsed.ok) sources.set(formatCidr(parsed.cidr), { cidr: parsed.cidr, tier: from });
      }
      return;
    }
    const parsed = tryParseCidr(from);
    if (!parsed.ok) {
      throw new PolicyRequestError('unknown_tier', `from[${i}]`, `"${from.slice(0, 80)}" is neither a known tier (${Object.keys(tiers).join(', ') || 'none'}) nor a CIDR`);
    }
    sources.set(formatCidr(parsed.cidr), { cidr: parsed.cidr, tier: '' });
  });
  const everyPort = inputs.protocol === 'all' || inputs.protocol === 'icmp' || !inputs.port;
  const ports = everyPort ? { from: 0, to: 65_535 } : (inputs.port as { from: number; to: number });
  const ttlMs = inputs.ttl ?? defaultTtlMs;
  return [...sources].map(([text, { cidr, tier }]) => ({
    source: text,
    context: {
      playbook,
      source: { __extn: { fn: 'ip', arg: text } },
      sourcePrefixLength: cidr.prefix,
      sourceIsAnywhere: cidr.prefix === 0,
      sourceIsInternet: isInternetSource(cidr),
      sourceTier: tier,
      protocol: inputs.protocol,
      portFrom: ports.from,
      portTo: ports.to,
      allPorts: everyPort || (ports.from === 0 && ports.to === 65_535),
      ttlSeconds: ttlMs === undefined ? 0 : Math.floor(ttlMs / 1000),
      hasTtl: ttlMs !== undefined,
    },
  }));
}

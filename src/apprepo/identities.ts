import { z } from 'zod';
import type { IdentityRef } from './types.ts';

const labels = z.record(z.string(), z.string());

const KINDS = ['principal', 'namespace', 'labels', 'namespaceLabels', 'securityGroup', 'terraform', 'nsg', 'networkTag', 'serviceAccount', 'network'] as const;

/**
 * `identities:` in the config: what names a workload in an application's repo, and the tier it is.
 * An entry names one kind of identity (pods may combine namespace, labels and namespaceLabels):
 *
 *   identities:
 *     - { principal: cluster.local/ns/default/sa/frontend, tier: web }   # Istio peer identity (a trailing or leading * as in Istio)
 *     - { namespace: production, labels: { app: ai-service }, tier: api } # pods by namespace and labels
 *     - { securityGroup: sg-0123456789abcdef0, tier: api }                # AWS security group id
 *     - { terraform: aws_security_group.alb, tier: web }                   # a plan's resource address (id unknown until apply)
 *     - { nsg: nsg-web, tier: web }                                        # Azure network security group name
 *     - { networkTag: web, tier: web }                                     # GCP network tag (also serviceAccount, network)
 */
export const identitySchema = z
  .object({
    tier: z.string().min(1, 'the tier this identity is'),
    principal: z.string().min(1).optional(),
    namespace: z.string().min(1).optional(),
    labels: labels.optional(),
    namespaceLabels: labels.optional(),
    securityGroup: z.string().min(1).optional(),
    terraform: z.string().min(1).optional(),
    nsg: z.string().min(1).optional(),
    networkTag: z.string().min(1).optional(),
    serviceAccount: z.string().min(1).optional(),
    network: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((entry, ctx) => {
    const named = KINDS.filter((k) => entry[k] !== undefined);
    const pods = named.every((k) => k === 'namespace' || k === 'labels' || k === 'namespaceLabels');
    if (!named.length || (!pods && named.length > 1 && !(named.length === 2 && named.includes('securityGroup') && named.includes('terraform')))) {
      ctx.addIssue({
        code: 'custom',
        message: `name one identity: principal, namespace (with labels / namespaceLabels for pods), securityGroup, terraform, nsg, networkTag, serviceAccount or network (got ${named.join(', ') || 'none'})`,
      });
    }
  });

export type IdentityEntry = z.infer<typeof identitySchema>;
export const identitiesSchema = z.array(identitySchema).default([]);

/** The tier of an identity, or why there is none. The most specific matching entry wins; a tie between tiers is no answer. */
export function tierOf(ref: IdentityRef, entries: readonly IdentityEntry[]): { tier: string } | { reason: string } {
  const scored = entries.map((e) => ({ e, score: score(ref, e) })).filter((x) => x.score >= 0);
  if (!scored.length) return { reason: `no identity mapping for ${describeIdentity(ref)} (add it to identities: in the config)` };
  const best = Math.max(...scored.map((x) => x.score));
  const tiers = [...new Set(scored.filter((x) => x.score === best).map((x) => x.e.tier))];
  if (tiers.length > 1) return { reason: `${describeIdentity(ref)} maps to several tiers (${tiers.join(', ')}); make one mapping more specific` };
  return { tier: tiers[0] as string };
}

/** -1 when the entry does not match; otherwise how specific it is. */
function score(ref: IdentityRef, e: IdentityEntry): number {
  switch (ref.kind) {
    case 'principal':
      return e.principal !== undefined && istioMatch(e.principal, ref.value) ? (e.principal.includes('*') ? 1 : 2) : -1;
    case 'namespace':
      return e.namespace === ref.value && !e.labels && !e.namespaceLabels && !e.principal ? 1 : -1;
    case 'pods': {
      if (e.namespace === undefined && e.labels === undefined && e.namespaceLabels === undefined) return -1;
      if (e.namespace !== undefined && e.namespace !== ref.namespace) return -1;
      if (!subset(e.labels ?? {}, ref.labels)) return -1;
      if (!subset(e.namespaceLabels ?? {}, ref.namespaceLabels ?? {})) return -1;
      return (e.namespace !== undefined ? 1 : 0) + Object.keys(e.labels ?? {}).length + Object.keys(e.namespaceLabels ?? {}).length;
    }
    case 'securityGroup':
      return (ref.value !== undefined && e.securityGroup === ref.value) || (ref.address !== undefined && e.terraform === ref.address) ? 1 : -1;
    case 'nsg':
      return (ref.value !== undefined && e.nsg === ref.value) || (ref.address !== undefined && e.terraform === ref.address) ? 1 : -1;
    case 'networkTag':
      return e.networkTag === ref.value ? 1 : -1;
    case 'serviceAccount':
      return e.serviceAccount === ref.value ? 1 : -1;
    case 'network':
      return e.network === ref.value ? 1 : -1;
  }
}

const subset = (want: Record<string, string>, have: Record<string, string>): boolean => Object.entries(want).every(([k, v]) => have[k] === v);

/** Istio string match: exact, "prefix*", "*suffix", or "*" (any). */
function istioMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return value.length > 0;
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

export function describeIdentity(ref: IdentityRef): string {
  switch (ref.kind) {
    case 'pods': {
      const parts = [
        ref.namespace !== undefined ? `namespace ${ref.namespace}` : '',
        ref.namespaceLabels ? `namespaces labelled ${labelText(ref.namespaceLabels)}` : '',
        Object.keys(ref.labels).length ? `labels ${labelText(ref.labels)}` : 'every pod',
      ].filter(Boolean);
      return `pods (${parts.join(', ')})`;
    }
    case 'securityGroup':
    case 'nsg':
      return `${ref.kind === 'nsg' ? 'NSG' : 'security group'} ${[ref.value, ref.address ? `terraform ${ref.address}` : ''].filter(Boolean).join(' / ')}`;
    default:
      return `${ref.kind} ${ref.value}`;
  }
}

const labelText = (l: Record<string, string>): string => `{${Object.entries(l).map(([k, v]) => `${k}: ${v}`).join(', ')}}` || '{}';

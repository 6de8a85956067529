import { canonicalCidr, familyOf, overlaps, prefixLengthOf } from '../net/cidr.ts';
import { reservedRangesFor } from '../net/reserved.ts';
import type { Guardrails } from './schema.ts';

/** A guardrail refusal: which guardrail, which indicator, and why. Becomes a 422 problem naming it. */
export interface GuardrailViolation {
  guardrail: 'neverBlock' | 'widestPrefix' | 'refuseReserved' | 'maxTtl' | 'maxIndicators';
  indicator?: string;
  detail: string;
}

/**
 * Checks block indicators and the ttl against a playbook's guardrails; returns every violation.
 * `sent` is how many indicators the call carried before de-duplication: maxIndicators limits what a
 * caller may send (1,001 copies of one address are 1,001 indicators), not what is left after merging.
 */
export function checkBlockGuardrails(indicators: string[], ttlMs: number | undefined, g: Guardrails, sent = indicators.length): GuardrailViolation[] {
  const out: GuardrailViolation[] = [];
  if (sent > g.maxIndicators) {
    out.push({ guardrail: 'maxIndicators', detail: `${sent} indicators in one call; at most ${g.maxIndicators}` });
  }
  if (ttlMs !== undefined && g.maxTtl !== undefined && ttlMs > g.maxTtl) {
    out.push({ guardrail: 'maxTtl', detail: `ttl ${ttlMs / 1000} s exceeds the maximum ${g.maxTtl / 1000} s` });
  }
  for (const text of indicators) {
    const cidr = canonicalCidr(text);
    const family = familyOf(cidr);
    const widest = g.widestPrefix[family];
    if (prefixLengthOf(cidr) < widest) {
      out.push({ guardrail: 'widestPrefix', indicator: cidr, detail: `${cidr} is wider than /${widest}, the widest ${family} prefix this playbook blocks` });
    }
    const protectedRange = g.neverBlock.find((r) => overlaps(r, cidr));
    if (protectedRange) {
      out.push({ guardrail: 'neverBlock', indicator: cidr, detail: `${cidr} overlaps ${canonicalCidr(protectedRange)}, a range this playbook must never block` });
    }
    const reserved = reservedRangesFor(cidr, g.refuseReserved)[0];
    if (reserved) {
      out.push({
        guardrail: 'refuseReserved',
        indicator: cidr,
        detail: `${cidr} is in ${reserved.range.cidr} (${reserved.range.description}, ${reserved.range.rfc}); this playbook refuses ${reserved.range.kind} ranges`,
      });
    }
  }
  return out;
}

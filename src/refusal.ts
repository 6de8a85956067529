/**
 * A request refused for a reason of the domain (a guardrail, an unknown tier or target, a policy
 * input, a rule that cannot be adopted), thrown by inner code (src/runs/, src/policy/). A leaf: inner
 * modules never import src/http/; the HTTP edge maps a Refusal 1:1 to problem+json with the same code
 * (src/http/problem.ts asProblem), the CLI prints it.
 */
export type RefusalCode = 'validation_failed' | 'guardrail_refused' | 'unknown_tier' | 'target_unknown' | 'not_adoptable' | 'traffic_unavailable';

export class Refusal extends Error {
  override name = 'Refusal';
  readonly code: RefusalCode;
  /** Members the problem+json body carries beside the detail (e.g. the guardrail). */
  readonly extras: Record<string, unknown>;
  constructor(code: RefusalCode, detail: string, extras: Record<string, unknown> = {}) {
    super(detail);
    this.code = code;
    this.extras = extras;
  }
}

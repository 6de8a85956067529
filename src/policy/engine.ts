import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { Config } from '../config/schema.ts';
import type { ActionInputs } from '../playbooks/inputs.ts';
import { sourceContexts } from './context.ts';
import type { LoadedPolicy, PolicyBundle } from './load.ts';

export type PolicyOutcome = 'approve' | 'needs_approval' | 'deny';

export interface DecisionRequest {
  action: 'allow' | 'revoke';
  /** The client id (Cedar principal). */
  client: string;
  playbook: string;
  inputs: ActionInputs['allow'];
  /** The playbook's default ttl, used when the inputs give none. */
  defaultTtlMs?: number;
}

export interface DeterminingPolicy {
  id: string;
  file: string;
  line: number;
  effect: 'permit' | 'forbid';
}

export interface PolicyDecision {
  decision: PolicyOutcome;
  /** Why, for people: the @reason of the determining policies, or why nothing auto-approved. */
  reasons: string[];
  /** The policies that determined the decision (forbids for deny, permits for approve; none for needs_approval). */
  policies: DeterminingPolicy[];
  /** The decision per source block. */
  sources: { source: string; decision: PolicyOutcome; policies: string[] }[];
}

let nextPolicySetId = 0;

/**
 * Decides allow/revoke requests with Cedar.
 * - deny: a `forbid` matched any source block (forbid overrides permit; nobody can approve it).
 * - approve: for every source block a `permit` matched and no forbid did.
 * - needs_approval: otherwise (no permit for some block, or a policy failed to evaluate), so a second
 *   person decides.
 */
export class PolicyEngine {
  private readonly byId: Map<string, LoadedPolicy>;
  private readonly policySetId: string;
  private readonly schemaName: string;
  private readonly entities: cedar.EntityJson[];

  readonly bundle: PolicyBundle;
  private readonly tiers: Config['tiers'];
  constructor(
    bundle: PolicyBundle,
    tiers: Config['tiers'],
  ) {
    this.bundle = bundle;
    this.tiers = tiers;
    this.byId = new Map(bundle.policies.map((p) => [p.id, p]));
    // Parsed once into the Wasm module's cache; requests then only evaluate.
    const id = `portcullis-${++nextPolicySetId}`;
    this.policySetId = `${id}-policies`;
    this.schemaName = `${id}-schema`;
    const policies = Object.fromEntries(bundle.policies.map((p) => [p.id, p.text]));
    const parsed = cedar.preparsePolicySet(this.policySetId, { staticPolicies: policies });
    if (parsed.type === 'failure') throw new Error(`policy set did not parse: ${parsed.errors.map((e) => e.message).join('; ')}`);
    const schema = cedar.preparseSchema(this.schemaName, bundle.schema);
    if (schema.type === 'failure') throw new Error(`schema did not parse: ${schema.errors.map((e) => e.message).join('; ')}`);
    this.entities = Object.keys(tiers).map((name) => ({ uid: { type: 'Portcullis::Tier', id: name }, attrs: {}, parents: [] }));
  }

  /** Throws PolicyRequestError for an unknown tier or a bad source; otherwise always decides. */
  decide(request: DecisionRequest): PolicyDecision {
    const contexts = sourceContexts(request.inputs, this.tiers, request.playbook, request.defaultTtlMs);
    const perSource = contexts.map(({ source, context }) => ({ source, ...this.evaluate(request, context) }));
    const decision: PolicyOutcome = perSource.some((s) => s.decision === 'deny')
      ? 'deny'
      : perSource.every((s) => s.decision === 'approve')
        ? 'approve'
        : 'needs_approval';
    const determining = new Set<string>();
    const reasons = new Set<string>();
    for (const s of perSource) {
      if (s.decision !== decision) continue;
      for (const id of s.policies) {
        determining.add(id);
        reasons.add(this.byId.get(id)?.reason ?? id);
      }
      for (const note of s.notes) reasons.add(note);
    }
    return {
      decision,
      reasons: [...reasons],
      policies: [...determining].map((id) => {
        const p = this.byId.get(id) as LoadedPolicy;
        return { id, file: p.file, line: p.line, effect: p.effect };
      }),
      sources: perSource.map((s) => ({ source: s.source, decision: s.decision, policies: s.policies })),
    };
  }

  private evaluate(request: DecisionRequest, context: ReturnType<typeof sourceContexts>[number]['context']) {
    const answer = cedar.statefulIsAuthorized({
      principal: { type: 'Portcullis::Client', id: request.client },
      action: { type: 'Portcullis::Action', id: request.action },
      resource: { type: 'Portcullis::Tier', id: request.inputs.to },
      context: context as unknown as cedar.Context,
      preparsedSchemaName: this.schemaName,
      validateRequest: true,
      preparsedPolicySetId: this.policySetId,
      entities: [{ uid: { type: 'Portcullis::Client', id: request.client }, attrs: {}, parents: [] }, ...this.entities],
    });
    if (answer.type === 'failure') {
      throw new Error(`policy evaluation failed: ${answer.errors.map((e) => e.message).join('; ')}`);
    }
    const { decision, diagnostics } = answer.response;
    const policies = diagnostics.reason;
    const where = `${context.source.__extn.arg} ${context.protocol}${context.allPorts ? '' : ` ${context.portFrom}${context.portTo !== context.portFrom ? `-${context.portTo}` : ''}`}`;
    // Cedar skips a policy that errors; a skipped forbid must not let a request through unreviewed.
    const failed = diagnostics.errors.map((e) => `policy ${e.policyId} failed to evaluate for ${where}: ${e.error.message}`);
    if (decision === 'allow' && !failed.length) return { decision: 'approve' as const, policies, notes: [] };
    if (decision === 'deny' && policies.length) return { decision: 'deny' as const, policies, notes: [] };
    return {
      decision: 'needs_approval' as const,
      policies: [],
      notes: failed.length ? failed : [`no auto-approve policy matches ${request.action} ${where} to tier ${request.inputs.to}`],
    };
  }
}

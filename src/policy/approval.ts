import { existsSync } from 'node:fs';
import type { Config } from '../config/schema.ts';
import { Refusal } from '../refusal.ts';
import { actionInputs } from '../playbooks/inputs.ts';
import type { Playbook } from '../playbooks/schema.ts';
import type { ApprovalPolicy, PolicyDecision } from '../services.ts';
import { PolicyEngine } from './engine.ts';
import { PolicyRequestError } from './errors.ts';
import { loadPolicies, policiesDirOf, policiesFromFiles } from './load.ts';

/**
 * The runtime's ApprovalPolicy backed by Cedar. Allow and revoke requests are decided by the policies;
 * other actions have nothing for these policies to judge and wait for a person. An unknown tier or a
 * bad source is a 422 problem (unknown_tier / validation_failed) naming the input.
 */
export function cedarApprovalPolicy(engine: PolicyEngine, playbooks: ReadonlyMap<string, Playbook>): ApprovalPolicy {
  return {
    async decide(request): Promise<PolicyDecision> {
      if (request.action !== 'allow' && request.action !== 'revoke') {
        return { decision: 'needs_approval', reasons: [`the policies decide allow and revoke requests, not ${request.action}`], policies: [] };
      }
      const parsed = actionInputs.allow.safeParse(request.inputs);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        throw new Refusal('validation_failed', `inputs.${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid'}`);
      }
      const playbook = playbooks.get(request.playbook);
      try {
        const d = engine.decide({
          action: request.action,
          client: request.clientId,
          playbook: request.playbook,
          inputs: parsed.data,
          ...(playbook?.defaults.ttl !== undefined ? { defaultTtlMs: playbook.defaults.ttl } : {}),
        });
        return { decision: d.decision, reasons: d.reasons, policies: d.policies.map((p) => `${p.id} (${p.file}:${p.line})`) };
      } catch (error) {
        if (error instanceof PolicyRequestError) throw new Refusal(error.code, error.message);
        throw error;
      }
    },
  };
}

/**
 * Loads `<playbooksDir>/policies` at start-up. Undefined when the folder does not exist (every
 * `approval: policy` request then waits for a person); a ConfigError naming the file and line when a
 * policy or the schema is bad, which stops start-up.
 */
export function loadApprovalPolicy(playbooksDir: string, tiers: Config['tiers'], playbooks: ReadonlyMap<string, Playbook>): ApprovalPolicy | undefined {
  const dir = policiesDirOf(playbooksDir);
  if (!existsSync(dir)) return undefined;
  return cedarApprovalPolicy(new PolicyEngine(loadPolicies(dir, Object.keys(tiers)), tiers), playbooks);
}

/**
 * The same from files already read (the Worker's, bundled at build time): `files` are the policies
 * folder's *.cedar and *.cedarschema files; none means no folder (every such request waits for a person).
 */
export function approvalPolicyFromFiles(
  dir: string,
  files: readonly { file: string; text: string }[],
  tiers: Config['tiers'],
  playbooks: ReadonlyMap<string, Playbook>,
): ApprovalPolicy | undefined {
  if (!files.length) return undefined;
  return cedarApprovalPolicy(new PolicyEngine(policiesFromFiles(dir, files, Object.keys(tiers)), tiers), playbooks);
}

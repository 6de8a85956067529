import type { Playbook } from '../playbooks/schema.ts';
import type { PolicyDecision, Runtime } from '../services.ts';
import type { RunPlan } from './planner.ts';
import type { RunRecord, RunView } from './types.ts';

/**
 * The approval a playbook call needs: `auto` approves within guardrails, `manual` always waits for a
 * second person, `policy` asks the policy engine (and waits when no engine is configured: fail safe).
 */
export async function decideApproval(
  playbook: Playbook,
  runtime: Runtime,
  request: Parameters<NonNullable<Runtime['policy']>['decide']>[0],
): Promise<PolicyDecision> {
  if (playbook.approval === 'auto') return { decision: 'approve', reasons: ['playbook approval mode is auto'], policies: [] };
  if (playbook.approval === 'manual') {
    return { decision: 'needs_approval', reasons: ['playbook approval mode is manual: a second person approves'], policies: [] };
  }
  if (!runtime.policy) {
    return { decision: 'needs_approval', reasons: ['no policy engine is configured; waiting for a person'], policies: [] };
  }
  return runtime.policy.decide(request);
}

/** The view of a run just accepted: every touched target pending. */
export function pendingView(run: Omit<RunRecord, 'status'> & { status: RunRecord['status'] }, plan: RunPlan): RunView {
  const { status: _status, ...rest } = run;
  const perTarget = plan.targets.map((t) => {
    const n = [...plan.upserts, ...plan.retracts].filter((i) => i.connectorId === t.connector && i.targetId === t.target).length;
    return { connector: t.connector, target: t.target, state: n ? ('pending' as const) : ('applied' as const), intents: n, errors: [] };
  });
  return { ...rest, status: perTarget.some((t) => t.state === 'pending') ? 'pending' : 'applied', perTarget };
}

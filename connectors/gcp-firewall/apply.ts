/** One RuleChange as compute calls: insert, update (PUT of the whole rule) or delete, each polled to DONE. */

import { type ConnectorErrorInfo, isAdoptedDescription, type NormalizedRule, type OperationResult, type RuleChange } from '../../src/connectors/types.ts';
import type { GcpTarget } from './config.ts';
import { type Firewall, sameEffect, toFirewall } from './mapping.ts';
import { isQuarantineRuleName, ruleName } from './names.ts';
import { type CallRecord, type GcpCalls, mutate, type Outcome, read } from './operations.ts';
import { validateRule } from './validate.ts';

export interface ApplyDeps {
  gc: GcpCalls;
  target: GcpTarget;
  prefix: string;
}

function validationError(problems: string[]): ConnectorErrorInfo {
  return { kind: 'validation', code: 'INVALID_RULE', message: problems.join('; '), retryable: false };
}

export async function applyChange(deps: ApplyDeps, change: RuleChange): Promise<OperationResult> {
  const calls: CallRecord[] = [];
  const done = (outcome: Outcome<string>): OperationResult =>
    outcome.ok ? { change, ok: true, calls, cloudId: outcome.value } : { change, ok: false, calls, error: outcome.error };
  switch (change.op) {
    case 'create':
      return done(await createRule(deps, change.rule, calls));
    case 'update':
      return done(await updateRule(deps, change.before, change.rule, calls));
    case 'delete':
      return done(await deleteRule(deps, change.rule.cloudId, calls, isAdoptedDescription(change.rule.description)));
  }
}

function ownershipProblems(deps: ApplyDeps, name: string | undefined, adopted = false): string[] {
  if (!name) return ['the rule has no cloudId (GCP firewall name) to change'];
  if ((!adopted && !name.startsWith(deps.prefix)) || isQuarantineRuleName(deps.prefix, name)) {
    return [`rule "${name}" is not owned by portcullis (its name does not start with "${deps.prefix}"); it is never changed`];
  }
  return [];
}

/** Names tried for one create when other rules already hold the content-derived names. */
const NAME_SALTS = 4;

async function createRule(deps: ApplyDeps, rule: NormalizedRule, calls: CallRecord[]): Promise<Outcome<string>> {
  const problems = validateRule(deps.target, deps.prefix, rule);
  if (problems.length > 0) return { ok: false, error: validationError(problems) };
  const salts = rule.cloudId ? 1 : NAME_SALTS;
  let outcome: Outcome<string> = { ok: false, error: validationError(['no name to create the rule under']) };
  for (let salt = 0; salt < salts; salt++) {
    const name = rule.cloudId ?? ruleName(deps.prefix, rule, salt);
    outcome = await insertFirewall(deps.gc, toFirewall(rule, name, deps.gc.project, deps.target.network), calls);
    // alreadyExists that survived insertFirewall means a different rule holds this name.
    if (outcome.ok || outcome.error.code !== 'alreadyExists') return outcome;
  }
  return outcome;
}

/** Inserts a firewall; 409 alreadyExists counts as success only when a GET shows the same rule. */
export async function insertFirewall(gc: GcpCalls, body: Firewall, calls: CallRecord[]): Promise<Outcome<string>> {
  const name = body.name ?? '';
  const inserted = await mutate(gc, 'compute.firewalls.insert', calls, (requestId) =>
    gc.compute.firewalls.insert({ project: gc.project, requestId, requestBody: body }),
  );
  if (inserted.ok) return { ok: true, value: name };
  if (inserted.error.status !== 409 && inserted.error.code !== 'RESOURCE_ALREADY_EXISTS') return inserted;
  const existing = await read(gc, 'compute.firewalls.get', calls, () =>
    gc.compute.firewalls.get({ project: gc.project, firewall: name }),
  );
  if (existing.ok && sameEffect(body, existing.value)) return { ok: true, value: name };
  return inserted;
}

async function updateRule(
  deps: ApplyDeps,
  before: NormalizedRule,
  rule: NormalizedRule,
  calls: CallRecord[],
): Promise<Outcome<string>> {
  const name = before.cloudId ?? rule.cloudId;
  const problems = [
    ...ownershipProblems(deps, name, before.owned && isAdoptedDescription(before.description)),
    ...validateRule(deps.target, deps.prefix, { ...rule, cloudId: name }),
  ];
  if (problems.length > 0 || !name) return { ok: false, error: validationError(problems) };
  // GCP cannot change a rule's direction or action in place: create the new rule, then remove the old one.
  if (before.direction !== rule.direction || before.action !== rule.action) {
    const created = await createRule(deps, { ...rule, cloudId: undefined }, calls);
    if (!created.ok) return created;
    const removed = await deleteRule(deps, name, calls, isAdoptedDescription(before.description));
    return removed.ok ? created : removed;
  }
  const body = toFirewall(rule, name, deps.gc.project, deps.target.network);
  const updated = await mutate(deps.gc, 'compute.firewalls.update', calls, (requestId) =>
    deps.gc.compute.firewalls.update({ project: deps.gc.project, firewall: name, requestId, requestBody: body }),
  );
  return updated.ok ? { ok: true, value: name } : updated;
}

/** Deletes an owned firewall; 404 counts as success once a GET confirms it is gone. */
async function deleteRule(deps: ApplyDeps, name: string | undefined, calls: CallRecord[], adopted = false): Promise<Outcome<string>> {
  const problems = ownershipProblems(deps, name, adopted);
  if (problems.length > 0 || !name) return { ok: false, error: validationError(problems) };
  const { gc } = deps;
  const deleted = await mutate(gc, 'compute.firewalls.delete', calls, (requestId) =>
    gc.compute.firewalls.delete({ project: gc.project, firewall: name, requestId }),
  );
  if (deleted.ok) return { ok: true, value: name };
  if (deleted.error.kind !== 'not_found') return deleted;
  const check = await read(gc, 'compute.firewalls.get', calls, () => gc.compute.firewalls.get({ project: gc.project, firewall: name }));
  if (!check.ok && check.error.kind === 'not_found') return { ok: true, value: name };
  return deleted;
}

import type { ConnectorErrorInfo, OperationResult, RuleChange } from '../../src/connectors/types.ts';
import { familyOf } from '../../src/net/cidr.ts';
import type { CallRecord, WafCalls } from './calls.ts';
import type { WafTarget } from './config.ts';
import { createIpSet, type IpSetRef, writeAddresses } from './ip-sets.ts';
import { hasOwnerDescription, ipSetName, ipSetRefOf, ownerDescription, ownerTags } from './names.ts';
import type { TargetView } from './view.ts';
import { type AclRef, ensureReferenced } from './web-acl.ts';

export interface ApplyDeps {
  calls: WafCalls;
  acl: AclRef;
  view: TargetView;
  connectorId: string;
  marker: string;
  target: WafTarget;
}

interface Pending {
  index: number;
  change: RuleChange;
  calls: CallRecord[];
  arn?: string;
  /** A set this pass created: emptied again if the web ACL cannot be made to reference it. */
  created?: IpSetRef;
  /** An update that moves the rule to another set (slot or address version): the old set, emptied once the new one holds. */
  replaces?: IpSetRef;
  error?: ConnectorErrorInfo;
}

const refusal = (kind: ConnectorErrorInfo['kind'], code: string, message: string): ConnectorErrorInfo => ({ kind, code, message, retryable: false });

/**
 * Applies a pass's changes in three steps, so that the web ACL (the scarcest write: one UpdateWebACL
 * replaces the whole ACL) is written at most once per pass:
 * 1. deletes empty their set (UpdateIPSet with no addresses): the set stays, referenced and matching
 *    nothing, ready for the next block in that slot (no UpdateWebACL, no DeleteIPSet);
 * 2. creates and updates write their set: CreateIPSet with the addresses for a new slot, UpdateIPSet
 *    for a set that exists (owned; a set with the name but no marker is refused);
 * 3. one UpdateWebACL makes the block rule reference every set written in step 2 that it did not yet.
 * A set only blocks once referenced: if step 3 fails, the changes that needed it fail, and sets this
 * pass created are emptied again, so nothing is left half-applied.
 */
export async function applyChanges(deps: ApplyDeps, changes: RuleChange[]): Promise<OperationResult[]> {
  const { calls, acl, view, marker, target } = deps;
  const description = ownerDescription(marker, deps.connectorId, target.id);
  const pending: Pending[] = changes.map((change, index) => ({ index, change, calls: [] }));

  for (const p of pending.filter((x) => x.change.op === 'delete')) {
    const ref = ipSetRefOf(p.change.rule.cloudId ?? '');
    if (!ref || !view.owned.has(ref.name)) {
      // Not one of ours (or already gone from the listing): nothing to empty.
      if (!ref || view.sets.some((s) => s.Name === ref.name)) p.error = refusal('validation', 'NotOwned', `IP set ${p.change.rule.cloudId} is not owned by ${deps.connectorId}; it is never changed`);
      continue;
    }
    const written = await writeAddresses(calls, acl.scope, ref, [], description, p.calls);
    if (!written.ok) p.error = written.error;
  }

  for (const p of pending.filter((x) => x.change.op !== 'delete')) {
    const rule = p.change.rule;
    const family = familyOf(rule.cidrs[0] ?? '');
    const name = ipSetName(marker, target.id, family, rule.priority);
    const before = p.change.op === 'update' ? ipSetRefOf(p.change.before.cloudId ?? '') : undefined;
    if (before && before.name !== name && view.owned.has(before.name)) p.replaces = before;
    const existing = view.sets.find((s) => s.Name === name);
    if (existing && !hasOwnerDescription(marker, existing.Description)) {
      p.error = refusal('conflict', 'NotOwned', `an IP set named ${name} exists in scope ${acl.scope} without the ownership marker ("${marker} owned" in its Description): portcullis never changes it; rename or remove it`);
      continue;
    }
    if (existing?.Id && existing.ARN) {
      const written = await writeAddresses(calls, acl.scope, { name, id: existing.Id }, rule.cidrs, description, p.calls);
      if (!written.ok) p.error = written.error;
      else if (written.value === 'gone') p.error = { kind: 'not_found', code: 'WAFNonexistentItemException', message: `IP set ${name} was deleted while being written; the next pass creates it again`, retryable: true };
      else p.arn = existing.ARN;
      continue;
    }
    const created = await createIpSet(calls, acl.scope, { name, family, description, tags: ownerTags(marker, deps.connectorId, target.id), addresses: rule.cidrs }, p.calls);
    if (!created.ok) {
      p.error = created.error;
      continue;
    }
    if (!hasOwnerDescription(marker, created.value.description)) {
      p.error = refusal('conflict', 'NotOwned', `an IP set named ${name} appeared in scope ${acl.scope} without the ownership marker: portcullis never changes it`);
      continue;
    }
    if (!created.value.created) {
      // An earlier attempt created it: make sure it holds what this change asks.
      const written = await writeAddresses(calls, acl.scope, created.value.ref, rule.cidrs, description, p.calls);
      if (!written.ok) {
        p.error = written.error;
        continue;
      }
    }
    p.arn = created.value.arn;
    if (created.value.created) p.created = created.value.ref;
    view.sets.push({ Name: name, Id: created.value.ref.id, ARN: created.value.arn, Description: description });
  }

  const needed = pending.filter((p) => p.arn && !p.error && !view.referenced.has(p.arn));
  // The block rule is changed only while it references nothing but owned sets (check() reports the rest).
  const ownedArns = new Set(view.sets.filter((s) => hasOwnerDescription(marker, s.Description)).map((s) => s.ARN));
  const foreign = [...view.referenced].filter((arn) => !ownedArns.has(arn));
  if (needed.length && foreign.length) {
    for (const p of needed) {
      p.error = refusal('conflict', 'NotOwned', `the block rule in web ACL ${acl.name} references IP sets portcullis does not own (${foreign.map((a) => ipSetRefOf(a)?.name ?? a).join(', ')}): it is not changed until they are removed from it`);
      if (p.created) await writeAddresses(calls, acl.scope, p.created, [], description, p.calls);
    }
  } else if (needed.length) {
    const log = needed[0]?.calls ?? [];
    const referenced = await ensureReferenced(calls, acl, marker, target, needed.map((p) => p.arn ?? ''), log);
    if (referenced.ok) for (const p of needed) view.referenced.add(p.arn ?? '');
    else {
      for (const p of needed) {
        p.error = referenced.error;
        // Unreferenced, the set blocks nothing; emptying it keeps the listing and the cloud in step.
        if (p.created) await writeAddresses(calls, acl.scope, p.created, [], description, p.calls);
      }
    }
  }

  for (const p of pending.filter((x) => x.replaces && !x.error)) {
    const emptied = await writeAddresses(calls, acl.scope, p.replaces as IpSetRef, [], description, p.calls);
    if (!emptied.ok) p.error = emptied.error;
  }

  return pending.map((p) => ({
    change: p.change,
    ok: !p.error,
    calls: p.calls,
    ...(p.error ? { error: p.error } : {}),
    ...(p.arn && !p.error ? { cloudId: p.arn } : {}),
  }));
}

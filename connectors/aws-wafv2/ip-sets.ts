import {
  CreateIPSetCommand,
  GetIPSetCommand,
  type GetIPSetCommandOutput,
  type IPSetSummary,
  ListIPSetsCommand,
  UpdateIPSetCommand,
} from '@aws-sdk/client-wafv2';
import type { IpFamily } from '../../src/net/ip.ts';
import { sameCidrSet } from '../../src/reconcile/packing-match.ts';
import type { CallRecord, CallResult, WafCalls } from './calls.ts';
import type { WafTarget } from './config.ts';

export interface IpSetRef {
  name: string;
  id: string;
}

export async function listIpSets(calls: WafCalls, scope: WafTarget['scope'], log: CallRecord[]): Promise<IPSetSummary[]> {
  const sets: IPSetSummary[] = [];
  let marker: string | undefined;
  do {
    const next = marker;
    const page = await calls.read('ListIPSets', (c) => c.send(new ListIPSetsCommand({ Scope: scope, Limit: 100, ...(next ? { NextMarker: next } : {}) })), log);
    sets.push(...(page.IPSets ?? []));
    marker = page.NextMarker;
  } while (marker);
  return sets;
}

const isCode = (error: unknown, code: string) => typeof error === 'object' && error !== null && (error as { name?: string }).name === code;

/**
 * Sets the addresses of an owned IP set. UpdateIPSet replaces the whole set and needs the LockToken of
 * the version it replaces, so each attempt reads the set (GetIPSet) first: a WAFOptimisticLockException
 * (someone wrote in between) is retried from a fresh read. No write when the set already holds exactly
 * these addresses; `gone` when the set no longer exists.
 */
export async function writeAddresses(
  calls: WafCalls,
  scope: WafTarget['scope'],
  ref: IpSetRef,
  addresses: string[],
  description: string,
  log: CallRecord[],
): Promise<CallResult<'written' | 'unchanged' | 'gone'>> {
  return calls.run(
    'UpdateIPSet',
    async (client) => {
      let got: GetIPSetCommandOutput;
      try {
        got = await client.send(new GetIPSetCommand({ Scope: scope, Name: ref.name, Id: ref.id }));
      } catch (error) {
        if (isCode(error, 'WAFNonexistentItemException')) return { value: 'gone' as const };
        throw error;
      }
      if (sameCidrSet(got.IPSet?.Addresses ?? [], addresses) && got.IPSet?.Description === description) return { value: 'unchanged' as const };
      await calls.paceWrite('UpdateIPSet');
      try {
        const updated = await client.send(
          new UpdateIPSetCommand({ Scope: scope, Name: ref.name, Id: ref.id, Addresses: addresses, Description: description, LockToken: got.LockToken }),
        );
        return { value: 'written' as const, ...(updated.$metadata.requestId ? { requestId: updated.$metadata.requestId } : {}) };
      } catch (error) {
        // Deleted between the read and the write.
        if (isCode(error, 'WAFNonexistentItemException')) return { value: 'gone' as const };
        throw error;
      }
    },
    log,
  );
}

/** Creates an owned IP set holding `addresses`; a duplicate name (an earlier attempt that did succeed) is looked up instead. */
export async function createIpSet(
  calls: WafCalls,
  scope: WafTarget['scope'],
  spec: { name: string; family: IpFamily; description: string; tags: { Key: string; Value: string }[]; addresses: string[] },
  log: CallRecord[],
): Promise<CallResult<{ ref: IpSetRef; arn: string; created: boolean; description?: string }>> {
  const created = await calls.send(
    'CreateIPSet',
    (c) =>
      c.send(
        new CreateIPSetCommand({
          Scope: scope,
          Name: spec.name,
          IPAddressVersion: spec.family === 'ipv4' ? 'IPV4' : 'IPV6',
          Addresses: spec.addresses,
          Description: spec.description,
          Tags: spec.tags,
        }),
      ),
    log,
  );
  if (created.ok) {
    const s = created.value.Summary;
    return { ok: true, value: { ref: { name: s?.Name ?? spec.name, id: s?.Id ?? '' }, arn: s?.ARN ?? '', created: true, description: spec.description } };
  }
  if (created.error.code !== 'WAFDuplicateItemException') return created;
  const existing = (await listIpSets(calls, scope, log)).find((s) => s.Name === spec.name);
  if (!existing?.Id || !existing.ARN) return created;
  return {
    ok: true,
    value: { ref: { name: spec.name, id: existing.Id }, arn: existing.ARN, created: false, ...(existing.Description ? { description: existing.Description } : {}) },
  };
}

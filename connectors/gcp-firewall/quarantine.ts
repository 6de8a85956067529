/**
 * Host isolation on GCP: a network tag on the instance, matched by deny-all ingress and egress rules at
 * the top of the target's band. The tag is set with the instance's tag fingerprint (optimistic locking).
 */

import { z } from 'zod';
import type { ConnectorErrorInfo, Direction, QuarantineResult } from '../../src/connectors/types.ts';
import { insertFirewall } from './apply.ts';
import type { GcpTarget } from './config.ts';
import { DEFAULT_DESCRIPTION, type Firewall, networkNameOf, networkPath, sameEffect } from './mapping.ts';
import { type AddressFamily, isValidGcpName, quarantineRuleName, quarantineTag } from './names.ts';
import { type CallRecord, type GcpCalls, mutate, type Outcome, read } from './operations.ts';

export interface QuarantineDeps {
  gc: GcpCalls;
  target: GcpTarget;
  prefix: string;
}

/** What release needs: the instance's tags before quarantine, in their order. */
const previousSchema = z.object({ zone: z.string().optional(), tags: z.array(z.string()) }).strict();
export type GcpQuarantinePrevious = z.infer<typeof previousSchema>;

/** Attempts at get + setTags when another writer keeps changing the tags (412 conditionNotMet). */
const FINGERPRINT_ROUNDS = 5;

function invalid(message: string): ConnectorErrorInfo {
  return { kind: 'validation', code: 'INVALID_QUARANTINE', message, retryable: false };
}

function zoneOf(deps: QuarantineDeps, host: string): Outcome<string> {
  if (!deps.target.zone) return { ok: false, error: invalid(`target ${deps.target.id} has no zone configured; quarantine needs one`) };
  if (!isValidGcpName(host)) return { ok: false, error: invalid(`"${host}" is not a GCP instance name`) };
  return { ok: true, value: deps.target.zone };
}

export async function quarantineHost(deps: QuarantineDeps, host: string): Promise<QuarantineResult> {
  const calls: CallRecord[] = [];
  const zone = zoneOf(deps, host);
  if (!zone.ok) return { ok: false, calls, error: zone.error };
  const { gc, target } = deps;
  const instance = await read(gc, 'compute.instances.get', calls, () =>
    gc.compute.instances.get({ project: gc.project, zone: zone.value, instance: host }),
  );
  if (!instance.ok) return { ok: false, calls, error: instance.error };
  const onNetwork = (instance.value.networkInterfaces ?? []).some((nic) => networkNameOf(nic.network) === target.network);
  if (!onNetwork) {
    return { ok: false, calls, error: invalid(`instance ${host} has no interface on network ${target.network}`) };
  }
  for (const body of quarantineRules(deps)) {
    const ensured = await ensureFirewall(gc, body, calls);
    if (!ensured.ok) return { ok: false, calls, error: ensured.error };
  }
  const tag = quarantineTag(deps.prefix);
  const tagged = await changeTags(gc, zone.value, host, calls, (items) => (items.includes(tag) ? undefined : [...items, tag]));
  if (!tagged.ok) return { ok: false, calls, error: tagged.error };
  // Called again on a quarantined host, the tags before are the current ones without ours.
  const previous: GcpQuarantinePrevious = { zone: zone.value, tags: tagged.value.filter((t) => t !== tag) };
  return { ok: true, previous, calls };
}

export async function releaseHost(deps: QuarantineDeps, host: string, previous: unknown): Promise<QuarantineResult> {
  const calls: CallRecord[] = [];
  const zone = zoneOf(deps, host);
  if (!zone.ok) return { ok: false, calls, error: zone.error };
  const parsed = previousSchema.safeParse(previous);
  if (!parsed.success) return { ok: false, calls, error: invalid('previous must be the value quarantine returned ({ zone, tags })') };
  const before = parsed.data.tags;
  const tag = quarantineTag(deps.prefix);
  const released = await changeTags(deps.gc, parsed.data.zone ?? zone.value, host, calls, (items) => {
    if (!items.includes(tag)) return undefined;
    const without = items.filter((t) => t !== tag);
    // Only our tag is removed; when nothing else changed meanwhile, the exact previous order comes back.
    const unchanged = without.length === before.length && without.every((t) => before.includes(t));
    return unchanged ? [...before] : without;
  });
  return released.ok ? { ok: true, previous: parsed.data, calls } : { ok: false, calls, error: released.error };
}

function quarantineRules(deps: QuarantineDeps): Firewall[] {
  const { target, prefix, gc } = deps;
  const families: AddressFamily[] = target.ipv6 ? [4, 6] : [4];
  const rules: Firewall[] = [];
  for (const direction of ['ingress', 'egress'] as Direction[]) {
    for (const family of families) {
      const everything = family === 4 ? ['0.0.0.0/0'] : ['::/0'];
      rules.push({
        name: quarantineRuleName(prefix, target.network, direction, family),
        network: networkPath(gc.project, target.network),
        direction: direction === 'ingress' ? 'INGRESS' : 'EGRESS',
        // Top of the band; a deny also wins over an allow at the same priority.
        priority: target.priorityBand.from,
        description: `${DEFAULT_DESCRIPTION}: quarantine (deny all ${direction} for instances tagged ${quarantineTag(prefix)})`,
        denied: [{ IPProtocol: 'all' }],
        targetTags: [quarantineTag(prefix)],
        ...(direction === 'ingress' ? { sourceRanges: everything } : { destinationRanges: everything }),
      });
    }
  }
  return rules;
}

/** Creates the rule when missing and puts it back when someone changed it. */
async function ensureFirewall(gc: GcpCalls, body: Firewall, calls: CallRecord[]): Promise<Outcome<string>> {
  const name = body.name ?? '';
  const existing = await read(gc, 'compute.firewalls.get', calls, () => gc.compute.firewalls.get({ project: gc.project, firewall: name }));
  if (existing.ok) {
    if (sameEffect(body, existing.value)) return { ok: true, value: name };
    const updated = await mutate(gc, 'compute.firewalls.update', calls, (requestId) =>
      gc.compute.firewalls.update({ project: gc.project, firewall: name, requestId, requestBody: body }),
    );
    return updated.ok ? { ok: true, value: name } : updated;
  }
  if (existing.error.kind !== 'not_found') return existing;
  return insertFirewall(gc, body, calls);
}

/**
 * Reads the instance's tags and fingerprint, then sets `next(tags)`. A 412 (the fingerprint went stale
 * because someone else changed the tags) starts over from a fresh read. Returns the tags before.
 */
async function changeTags(
  gc: GcpCalls,
  zone: string,
  host: string,
  calls: CallRecord[],
  next: (items: string[]) => string[] | undefined,
): Promise<Outcome<string[]>> {
  let lastError: ConnectorErrorInfo | undefined;
  for (let round = 0; round < FINGERPRINT_ROUNDS; round++) {
    const instance = await read(gc, 'compute.instances.get', calls, () =>
      gc.compute.instances.get({ project: gc.project, zone, instance: host }),
    );
    if (!instance.ok) return instance;
    const items = instance.value.tags?.items ?? [];
    const desired = next(items);
    if (!desired) return { ok: true, value: items };
    const fingerprint = instance.value.tags?.fingerprint ?? undefined;
    const set = await mutate(gc, 'compute.instances.setTags', calls, (requestId) =>
      gc.compute.instances.setTags({
        project: gc.project,
        zone,
        instance: host,
        requestId,
        requestBody: { items: desired, ...(fingerprint ? { fingerprint } : {}) },
      }),
    );
    if (set.ok) return { ok: true, value: items };
    lastError = set.error;
    if (set.error.code !== 'conditionNotMet' && set.error.status !== 412) return set;
  }
  return { ok: false, error: lastError ?? invalid('tags could not be set') };
}

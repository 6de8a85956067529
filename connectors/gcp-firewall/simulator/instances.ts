/** `zones/{z}/instances/{i}` get and setTags (fingerprint-locked), plus the network and zone lookups. */

import { invalidField, LINK_BASE, notFound, SimulatedApiError } from './envelope.ts';
import { checkRequestId, createOperation, operationForRequestId } from './operations.ts';
import { type Instance, type OperationRecord, type ProjectState, type SimState, tagsWithFingerprint } from './state.ts';

const TAG = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface InstanceContext {
  state: SimState;
  quotas: { tagsPerInstance: number };
  slowPolls: number;
  takeOperationFailure(): OperationRecord['failure'] | undefined;
  /** setTags calls that should find the fingerprint changed by a concurrent writer first. */
  takeConcurrentTagWrite(): boolean;
}

export function findInstance(project: ProjectState, zone: string, name: string): Instance {
  const zoneState = project.zones.get(zone);
  if (!zoneState) throw notFound(`projects/${project.id}/zones/${zone}`);
  const instance = zoneState.get(name);
  if (!instance) throw notFound(`projects/${project.id}/zones/${zone}/instances/${name}`);
  return instance;
}

export function setInstanceTags(state: SimState, project: ProjectState, zone: string, instance: Instance, items: string[]): void {
  const key = `${project.id}/${zone}/${instance.name}`;
  const version = (state.tagVersions.get(key) ?? 0) + 1;
  state.tagVersions.set(key, version);
  instance.tags = tagsWithFingerprint(items, version);
}

export function setTags(
  ctx: InstanceContext,
  project: ProjectState,
  zone: string,
  name: string,
  params: URLSearchParams,
  body: { items?: string[]; fingerprint?: string },
): unknown {
  const requestId = params.get('requestId');
  checkRequestId(requestId);
  const earlier = operationForRequestId(project, zone, requestId);
  if (earlier) return structuredClone(earlier);
  const instance = findInstance(project, zone, name);
  if (ctx.takeConcurrentTagWrite()) setInstanceTags(ctx.state, project, zone, instance, instance.tags?.items ?? []);
  const items = body.items ?? [];
  items.forEach((tag, i) => {
    if (!TAG.test(tag)) throw invalidField(`tags.items[${i}]`, tag, 'Must be a match of regex (?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)');
  });
  if (items.length > ctx.quotas.tagsPerInstance) {
    throw invalidField('tags.items', `${items.length} tags`, `At most ${ctx.quotas.tagsPerInstance} tags are allowed.`);
  }
  if (body.fingerprint !== instance.tags?.fingerprint) {
    throw new SimulatedApiError({
      status: 412,
      reason: 'conditionNotMet',
      message: 'Supplied fingerprint does not match current metadata fingerprint.',
    });
  }
  const injected = ctx.takeOperationFailure();
  if (!injected) setInstanceTags(ctx.state, project, zone, instance, [...new Set(items)]);
  return createOperation(ctx.state, project, ctx.slowPolls, {
    operationType: 'setTags',
    targetLink: instance.selfLink ?? '',
    targetId: instance.id ?? '',
    zone,
    ...(injected ? { failure: injected } : {}),
    ...(requestId ? { requestId } : {}),
  });
}

export function getNetwork(project: ProjectState, name: string): unknown {
  const network = project.networks.get(name);
  if (!network) throw notFound(`projects/${project.id}/global/networks/${name}`);
  return {
    kind: 'compute#network',
    id: network.id,
    creationTimestamp: network.creationTimestamp,
    name,
    selfLink: `${LINK_BASE}/projects/${project.id}/global/networks/${name}`,
    autoCreateSubnetworks: true,
    routingConfig: { routingMode: 'REGIONAL' },
    networkFirewallPolicyEnforcementOrder: 'AFTER_CLASSIC_FIREWALL',
  };
}

export function getZone(project: ProjectState, zone: string): unknown {
  if (!project.zones.has(zone)) throw notFound(`projects/${project.id}/zones/${zone}`);
  const region = zone.replace(/-[a-z]$/, '');
  return {
    kind: 'compute#zone',
    id: String(2000 + [...project.zones.keys()].indexOf(zone)),
    name: zone,
    description: zone,
    status: 'UP',
    region: `${LINK_BASE}/projects/${project.id}/regions/${region}`,
    selfLink: `${LINK_BASE}/projects/${project.id}/zones/${zone}`,
  };
}

/** `projects/{p}/global/firewalls[/{name}]`: insert, list, get, patch, update (PUT), delete. */

import { alreadyExists, invalidField, LINK_BASE, notFound, SimulatedApiError } from './envelope.ts';
import { checkFirewall, parseNetworkRef, type RuleQuotas } from './firewall-rules.ts';
import { parseFilter } from './filter.ts';
import { checkRequestId, createOperation, operationForRequestId } from './operations.ts';
import { type Firewall, networkLink, type Operation, type OperationRecord, type ProjectState, type SimState } from './state.ts';

export interface FirewallContext {
  state: SimState;
  quotas: RuleQuotas & { firewalls: number };
  slowPolls: number;
  /** An injected failure the next operation ends with (failNextOperations). */
  takeOperationFailure(): OperationRecord['failure'] | undefined;
}

const path = (project: string, name: string) => `projects/${project}/global/firewalls/${name}`;

function existing(project: ProjectState, name: string): Firewall {
  const firewall = project.firewalls.get(name);
  if (!firewall) throw notFound(path(project.id, name));
  return firewall;
}

export function getFirewall(project: ProjectState, name: string): Firewall {
  return structuredClone(existing(project, name));
}

export function listFirewalls(project: ProjectState, params: URLSearchParams): unknown {
  const filter = params.get('filter');
  const maxResults = params.has('maxResults') ? Number(params.get('maxResults')) : 500;
  if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > 500) {
    throw invalidField('maxResults', params.get('maxResults'), 'Must be between 0 and 500.');
  }
  const pageSize = maxResults === 0 ? 500 : maxResults;
  const offset = decodePageToken(params.get('pageToken'), filter);
  const matches = parseFilter(filter);
  const all = [...project.firewalls.values()]
    .filter((f) => matches(f as Record<string, unknown>))
    .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
  const page = all.slice(offset, offset + pageSize);
  const body: Record<string, unknown> = {
    kind: 'compute#firewallList',
    id: `projects/${project.id}/global/firewalls`,
  };
  // GCP leaves `items` out of an empty page.
  if (page.length > 0) body.items = structuredClone(page);
  if (offset + pageSize < all.length) body.nextPageToken = encodePageToken(offset + pageSize, filter);
  body.selfLink = `${LINK_BASE}/projects/${project.id}/global/firewalls`;
  return body;
}

function encodePageToken(offset: number, filter: string | null): string {
  return Buffer.from(JSON.stringify({ o: offset, f: filter ?? '' })).toString('base64url');
}

function decodePageToken(token: string | null, filter: string | null): number {
  if (!token) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString()) as { o: number; f: string };
    if (Number.isInteger(parsed.o) && parsed.o >= 0 && parsed.f === (filter ?? '')) return parsed.o;
  } catch {
    // fall through to the 400 below
  }
  throw invalidField('pageToken', token, 'The page token is invalid or does not belong to this filter.');
}

/** Shared by every mutation: requestId check and dedupe, then the change, then its Operation. */
function mutation(
  ctx: FirewallContext,
  project: ProjectState,
  params: URLSearchParams,
  operationType: string,
  name: string,
  change: () => { targetId?: string; failure?: OperationRecord['failure'] },
): Operation {
  const requestId = params.get('requestId');
  checkRequestId(requestId);
  const earlier = operationForRequestId(project, 'global', requestId);
  if (earlier) return structuredClone(earlier);
  const injected = ctx.takeOperationFailure();
  // An injected failure ends the operation with an error and leaves the state untouched.
  const outcome = injected ? { failure: injected } : change();
  return createOperation(ctx.state, project, ctx.slowPolls, {
    operationType,
    targetLink: `${LINK_BASE}/${path(project.id, name)}`,
    ...(outcome.targetId ? { targetId: outcome.targetId } : {}),
    ...(outcome.failure ? { failure: outcome.failure } : {}),
    ...(requestId ? { requestId } : {}),
  });
}

export function insertFirewall(ctx: FirewallContext, project: ProjectState, params: URLSearchParams, body: Firewall): Operation {
  const name = body.name ?? '';
  return mutation(ctx, project, params, 'insert', name, () => {
    checkFirewall(body, ctx.quotas);
    if (project.firewalls.has(name)) throw alreadyExists(path(project.id, name));
    const network = parseNetworkRef(body.network, project.id);
    // A missing network is refused at once, 404 on the insert itself (skyplane-project/skyplane#683).
    if (network.project !== project.id || !project.networks.has(network.name)) {
      throw notFound(`projects/${network.project}/global/networks/${network.name}`);
    }
    if (project.firewalls.size >= ctx.quotas.firewalls) {
      // "googleapi: Error 403: Quota 'FIREWALLS' exceeded. Limit: 500.0 globally., quotaExceeded" (kyma-project/test-infra#677).
      throw new SimulatedApiError({
        status: 403,
        reason: 'quotaExceeded',
        domain: 'usageLimits',
        message: `Quota 'FIREWALLS' exceeded. Limit: ${ctx.quotas.firewalls.toFixed(1)} globally.`,
      });
    }
    const stored = ctx.state.firewallResource(project.id, { ...body, network: networkLink(project.id, network.name) });
    project.firewalls.set(name, stored);
    return { targetId: stored.id ?? '' };
  });
}

/** PATCH merges the body into the rule (JSON merge patch); PUT replaces every field. */
export function changeFirewall(
  ctx: FirewallContext,
  project: ProjectState,
  name: string,
  params: URLSearchParams,
  body: Firewall,
  mode: 'patch' | 'update',
): Operation {
  return mutation(ctx, project, params, mode === 'patch' ? 'patch' : 'update', name, () => {
    const current = existing(project, name);
    if (body.name && body.name !== name) throw invalidField('resource.name', body.name, 'The name cannot be changed.');
    const next: Firewall = mode === 'patch' ? mergePatch(current, body) : { ...body, name };
    next.network ??= current.network;
    next.direction ??= mode === 'patch' ? current.direction : 'INGRESS';
    checkFirewall(next, ctx.quotas);
    if (parseNetworkRef(next.network, project.id).name !== parseNetworkRef(current.network, project.id).name) {
      throw invalidField('resource.network', next.network, 'The network of a firewall rule cannot be changed.');
    }
    if (next.direction !== current.direction) {
      throw invalidField('resource.direction', next.direction, 'The direction of a firewall rule cannot be changed.');
    }
    if (Boolean(next.denied?.length) !== Boolean(current.denied?.length)) {
      throw invalidField('resource', name, 'A firewall rule cannot change between allowed and denied.');
    }
    const stored = ctx.state.firewallResource(project.id, { ...next, network: current.network }, current);
    project.firewalls.set(name, stored);
    return { targetId: stored.id ?? '' };
  });
}

function mergePatch(current: Firewall, patch: Firewall): Firewall {
  const merged: Record<string, unknown> = structuredClone(current) as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = structuredClone(value);
  }
  return merged as Firewall;
}

export function deleteFirewall(ctx: FirewallContext, project: ProjectState, name: string, params: URLSearchParams): Operation {
  return mutation(ctx, project, params, 'delete', name, () => {
    const current = existing(project, name);
    project.firewalls.delete(name);
    return { targetId: current.id ?? '' };
  });
}

/** Maps compute v1 paths to handlers. Every path is `/compute/v1/projects/{project}/...`. */

import { notFound, SimulatedApiError } from './envelope.ts';
import { changeFirewall, deleteFirewall, type FirewallContext, getFirewall, insertFirewall, listFirewalls } from './firewalls.ts';
import { findInstance, getNetwork, getZone, type InstanceContext, setTags } from './instances.ts';
import { pollOperation } from './operations.ts';
import type { ProjectState } from './state.ts';

export interface RouteContext extends Omit<FirewallContext, 'quotas'>, Omit<InstanceContext, 'quotas'> {
  quotas: FirewallContext['quotas'] & InstanceContext['quotas'];
}

export interface Route {
  /** A stable name for the request log, e.g. "firewalls.insert". */
  name: string;
  write: boolean;
  run(ctx: RouteContext, project: ProjectState, params: URLSearchParams, body: unknown): unknown;
}

type Matcher = { method: string; pattern: RegExp; route: (m: string[]) => Route };

const NAME = '([a-z0-9][-a-z0-9]*)';
const OP = '([-a-zA-Z0-9_]+)';

const matchers: Matcher[] = [
  { method: 'GET', pattern: /^global\/firewalls$/, route: () => read('firewalls.list', (_c, p, q) => listFirewalls(p, q)) },
  { method: 'POST', pattern: /^global\/firewalls$/, route: () => write('firewalls.insert', (c, p, q, b) => insertFirewall(c, p, q, b as object)) },
  { method: 'GET', pattern: new RegExp(`^global/firewalls/${NAME}$`), route: ([, n = '']) => read('firewalls.get', (_c, p) => getFirewall(p, n)) },
  { method: 'PATCH', pattern: new RegExp(`^global/firewalls/${NAME}$`), route: ([, n = '']) => write('firewalls.patch', (c, p, q, b) => changeFirewall(c, p, n, q, b as object, 'patch')) },
  { method: 'PUT', pattern: new RegExp(`^global/firewalls/${NAME}$`), route: ([, n = '']) => write('firewalls.update', (c, p, q, b) => changeFirewall(c, p, n, q, b as object, 'update')) },
  { method: 'DELETE', pattern: new RegExp(`^global/firewalls/${NAME}$`), route: ([, n = '']) => write('firewalls.delete', (c, p, q) => deleteFirewall(c, p, n, q)) },
  { method: 'GET', pattern: new RegExp(`^global/operations/${OP}$`), route: ([, o = '']) => read('globalOperations.get', (c, p) => pollOperation(c.state, p, o)) },
  { method: 'POST', pattern: new RegExp(`^global/operations/${OP}/wait$`), route: ([, o = '']) => read('globalOperations.wait', (c, p) => pollOperation(c.state, p, o)) },
  { method: 'GET', pattern: new RegExp(`^global/networks/${NAME}$`), route: ([, n = '']) => read('networks.get', (_c, p) => getNetwork(p, n)) },
  { method: 'GET', pattern: new RegExp(`^zones/${NAME}$`), route: ([, z = '']) => read('zones.get', (_c, p) => getZone(p, z)) },
  { method: 'GET', pattern: new RegExp(`^zones/${NAME}/instances/${NAME}$`), route: ([, z = '', i = '']) => read('instances.get', (_c, p) => structuredClone(findInstance(p, z, i))) },
  { method: 'POST', pattern: new RegExp(`^zones/${NAME}/instances/${NAME}/setTags$`), route: ([, z = '', i = '']) => write('instances.setTags', (c, p, q, b) => setTags(c, p, z, i, q, b as object)) },
  { method: 'GET', pattern: new RegExp(`^zones/${NAME}/operations/${OP}$`), route: ([, z = '', o = '']) => read('zoneOperations.get', (c, p) => pollOperation(c.state, p, o, z)) },
  { method: 'POST', pattern: new RegExp(`^zones/${NAME}/operations/${OP}/wait$`), route: ([, z = '', o = '']) => read('zoneOperations.wait', (c, p) => pollOperation(c.state, p, o, z)) },
];

function read(name: string, run: Route['run']): Route {
  return { name, write: false, run };
}
function write(name: string, run: Route['run']): Route {
  return { name, write: true, run };
}

export interface Resolved {
  route: Route;
  project: string;
}

/** The route for a request, or a 404 in GCP's envelope. */
export function resolve(method: string, pathname: string): Resolved {
  const match = /^\/compute\/v1\/projects\/([^/]+)\/(.+)$/.exec(pathname);
  if (match) {
    const [, project = '', rest = ''] = match;
    for (const m of matchers) {
      if (m.method !== method) continue;
      const found = m.pattern.exec(rest);
      if (found) return { route: m.route([...found]), project };
    }
  }
  throw notFound(pathname.replace(/^\/compute\/v1\//, ''));
}

export function unauthenticated(): SimulatedApiError {
  return new SimulatedApiError({
    status: 401,
    reason: 'required',
    message: 'Request is missing required authentication credential. Expected OAuth 2 access token.',
  });
}

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createGcpSimulator, type GcpSimulator } from './simulator/index.ts';

/**
 * Replays real compute v1 payloads (./fixtures: forseti-security and apache/libcloud test data, and the
 * compute v1 discovery document) against the simulator: status codes, JSON keys, nesting and value types.
 */
const FIXTURES = new URL('./fixtures/', import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`examples/${name}`, FIXTURES), 'utf8')) as Record<string, unknown>;
const discovery = JSON.parse(readFileSync(new URL('compute-v1.firewall.discovery.json', FIXTURES), 'utf8')) as {
  schemas: Record<string, { properties: Record<string, unknown> }>;
};
const schemaKeys = (schema: string) => Object.keys(discovery.schemas[schema]?.properties ?? {});

/** Paths in `expected` whose key is missing in `actual` or whose value has another JSON type. */
function shapeDifferences(expected: unknown, actual: unknown, path = '$'): string[] {
  const kind = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
  if (kind(expected) !== kind(actual)) return [`${path}: ${kind(expected)} expected, got ${kind(actual)}`];
  if (Array.isArray(expected) && Array.isArray(actual)) {
    return expected.length > 0 && actual.length > 0 ? shapeDifferences(expected[0], actual[0], `${path}[0]`) : [];
  }
  if (expected && typeof expected === 'object') {
    const a = actual as Record<string, unknown>;
    return Object.entries(expected).flatMap(([key, value]) =>
      key in a ? shapeDifferences(value, a[key], `${path}.${key}`) : [`${path}.${key}: missing`],
    );
  }
  return [];
}

const BASE = 'https://compute.googleapis.com/compute/v1/projects/portcullis-sandbox';
async function call(sim: GcpSimulator, method: string, path: string, body?: unknown) {
  const res = await sim.fetch(
    new Request(`${BASE}/${path}`, {
      method,
      headers: { authorization: 'Bearer fixture' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { name?: string } };
}

const OUTPUT_ONLY = ['id', 'kind', 'creationTimestamp', 'selfLink'];
/** A fixture firewall as an insert body: output-only fields dropped, network pointed at the sandbox's. */
function asInsertBody(firewall: Record<string, unknown>): Record<string, unknown> {
  const body = Object.fromEntries(Object.entries(firewall).filter(([k]) => !OUTPUT_ONLY.includes(k)));
  return { ...body, network: 'global/networks/default' };
}

const firewallFixtures = [
  ...['libcloud.global_firewalls_lcfirewall.json', 'libcloud.global_firewalls_lcfirewall-deny.json', 'libcloud.global_firewalls_lcfirewall-egress.json'].map(fixture),
  ...['firewalls.list.page1.json', 'firewalls.list.page2.json', 'libcloud.global_firewalls.json'].flatMap(
    (f) => fixture(f).items as Record<string, unknown>[],
  ),
];

describe('fidelity with real compute v1 payloads', () => {
  it('has every fixture file covered', () => {
    const used = new Set([
      'error.forbidden.json',
      'error.accessNotConfigured.json',
      'firewalls.list.page1.json',
      'firewalls.list.page2.json',
      'globalOperations.get.pending.json',
      'libcloud.global_firewalls.json',
      'libcloud.global_firewalls_lcfirewall.json',
      'libcloud.global_firewalls_lcfirewall-deny.json',
      'libcloud.global_firewalls_lcfirewall-egress.json',
      'libcloud.global_firewalls_post.json',
      'libcloud.operations_operation_global_firewalls_post.json',
      'libcloud.global_firewalls_lcfirewall_delete.json',
      'libcloud.operations_operation_global_firewalls_lcfirewall_delete.json',
      'libcloud.zones_us-central1-a_instances_node-name_setTags_post.json',
      'libcloud.operations_operation_zones_us-central1-a_instances_node-name_setTags_post.json',
    ]);
    expect(readdirSync(new URL('examples/', FIXTURES)).filter((f) => !used.has(f))).toEqual([]);
  });

  it.each(firewallFixtures.map((f) => [f.name as string, f]))('accepts and returns firewall %s as GCP does', async (_name, firewall) => {
    // An empty network: some fixtures carry the names of the sandbox's default rules.
    const sim = createGcpSimulator({ seedState: { projects: [{ id: 'portcullis-sandbox', networks: ['default'] }] } });
    const body = asInsertBody(firewall);
    const inserted = await call(sim, 'POST', 'global/firewalls', body);
    expect(inserted.status).toBe(200);
    expect(shapeDifferences(fixture('libcloud.global_firewalls_post.json'), inserted.body)).toEqual([]);
    const done = await call(sim, 'POST', `global/operations/${inserted.body.name}/wait`);
    expect(done.body.status).toBe('DONE');
    expect(shapeDifferences(fixture('libcloud.operations_operation_global_firewalls_post.json'), done.body)).toEqual([]);
    const got = await call(sim, 'GET', `global/firewalls/${firewall.name}`);
    expect(got.status).toBe(200);
    expect(shapeDifferences(firewall, got.body)).toEqual([]);
    for (const [key, value] of Object.entries(body)) if (key !== 'network') expect(got.body[key]).toEqual(value);
    expect(Object.keys(got.body).filter((k) => !schemaKeys('Firewall').includes(k))).toEqual([]);
    const deleted = await call(sim, 'DELETE', `global/firewalls/${firewall.name}`);
    expect(shapeDifferences(fixture('libcloud.global_firewalls_lcfirewall_delete.json'), deleted.body)).toEqual([]);
    const deletedDone = await call(sim, 'GET', `global/operations/${deleted.body.name}`);
    expect(shapeDifferences(fixture('libcloud.operations_operation_global_firewalls_lcfirewall_delete.json'), deletedDone.body)).toEqual([]);
    for (const op of [inserted.body, done.body, deleted.body]) {
      expect(Object.keys(op).filter((k) => !schemaKeys('Operation').includes(k))).toEqual([]);
    }
  });

  it('pages a firewall list like firewalls.list.page1/page2', async () => {
    const sim = createGcpSimulator();
    const page1 = await call(sim, 'GET', 'global/firewalls?maxResults=1');
    expect(page1.status).toBe(200);
    expect(shapeDifferences(fixture('firewalls.list.page1.json'), page1.body)).toEqual([]);
    const page2 = await call(sim, 'GET', `global/firewalls?maxResults=1&pageToken=${page1.body.nextPageToken}`);
    expect(shapeDifferences(fixture('firewalls.list.page2.json'), page2.body)).toEqual([]);
    expect(page2.body.nextPageToken).toBeUndefined();
    expect(shapeDifferences(fixture('libcloud.global_firewalls.json'), page2.body)).toEqual([]);
    expect(Object.keys(page1.body).filter((k) => !schemaKeys('FirewallList').includes(k))).toEqual([]);
  });

  it('reports a pending operation like globalOperations.get.pending', async () => {
    const sim = createGcpSimulator();
    sim.controls.slowOperations(2);
    const op = await call(sim, 'DELETE', 'global/firewalls/default-allow-ssh');
    expect(op.body.status).toBe('PENDING');
    const polled = await call(sim, 'GET', `global/operations/${op.body.name}`);
    expect(shapeDifferences(fixture('globalOperations.get.pending.json'), polled.body)).toEqual([]);
    expect(polled.body.status).toBe('RUNNING');
  });

  it('answers setTags with a zonal operation like the libcloud setTags payloads', async () => {
    const sim = createGcpSimulator();
    const instance = await call(sim, 'GET', 'zones/us-central1-a/instances/web-1');
    const tags = instance.body.tags as { items: string[]; fingerprint: string };
    expect(Object.keys(tags).filter((k) => !schemaKeys('Tags').includes(k))).toEqual([]);
    const op = await call(sim, 'POST', 'zones/us-central1-a/instances/web-1/setTags', { items: ['a'], fingerprint: tags.fingerprint });
    expect(op.status).toBe(200);
    expect(shapeDifferences(fixture('libcloud.zones_us-central1-a_instances_node-name_setTags_post.json'), op.body)).toEqual([]);
    const done = await call(sim, 'GET', `zones/us-central1-a/operations/${op.body.name}`);
    expect(shapeDifferences(fixture('libcloud.operations_operation_zones_us-central1-a_instances_node-name_setTags_post.json'), done.body)).toEqual([]);
  });

  it('uses the compute error envelope of error.forbidden / error.accessNotConfigured', async () => {
    const sim = createGcpSimulator();
    const missing = await call(sim, 'GET', 'global/firewalls/none');
    expect(missing.status).toBe(404);
    expect(shapeDifferences(fixture('error.forbidden.json'), missing.body)).toEqual([]);
    // accessNotConfigured adds `extendedHelp` (a link for enabling the API), which the simulator never needs.
    const envelope = fixture('error.accessNotConfigured.json') as { error: { errors: Record<string, unknown>[] } };
    const { extendedHelp: _help, ...entry } = envelope.error.errors[0] ?? {};
    expect(shapeDifferences({ error: { ...envelope.error, errors: [entry] } }, missing.body)).toEqual([]);
  });
});

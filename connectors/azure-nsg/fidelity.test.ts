import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { createAzureNsgSimulator } from './simulator/index.ts';

/**
 * Replays the azure-rest-api-specs examples (./fixtures, copied from the specs repo) against the simulator: same
 * status codes, and every key path of the real body present in the simulator's body.
 */
const FIXTURES = new URL('./fixtures', import.meta.url).pathname;
const example = (name: string) => JSON.parse(readFileSync(`${FIXTURES}/${name}.json`, 'utf8'));

function keyPaths(value: unknown, prefix = ''): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(value)) {
    for (const item of value) for (const p of keyPaths(item, `${prefix}[]`)) out.add(p);
    if (value.length === 0) out.add(`${prefix}[]`);
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${key}` : key;
      out.add(path);
      for (const p of keyPaths(child, path)) out.add(p);
    }
  }
  return out;
}

function missing(real: unknown, simulated: unknown, notModelled: string[] = []): string[] {
  const have = keyPaths(simulated);
  return [...keyPaths(real)].filter((p) => !have.has(p) && !notModelled.some((n) => p === n || p.startsWith(`${n}.`)));
}

function simFor(subscriptionId: string) {
  return createAzureNsgSimulator({
    clock: new FakeClock(),
    seedState: {
      subscriptionId,
      location: 'eastus',
      resourceGroups: ['rg1'],
      nsgs: [{ resourceGroup: 'rg1', name: 'testnsg' }],
      nics: [{ resourceGroup: 'rg1', name: 'test-nic', vmName: 'vm1', privateIps: ['172.20.2.4'], nsgName: 'nsg' }],
    },
  });
}

function call(sim: ReturnType<typeof simFor>, method: string, path: string, apiVersion: string, body?: unknown) {
  return sim.fetch(
    new Request(`https://management.azure.com${path}?api-version=${apiVersion}`, {
      method,
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    }),
  );
}

const ruleBase = (sub: string, rule = 'rule1') =>
  `/subscriptions/${sub}/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/testnsg/securityRules/${rule}`;

describe('fidelity with the Azure REST API examples', () => {
  it('SecurityRules_CreateOrUpdate: 201 then 200, body shape, LRO headers', async () => {
    const ex = example('NetworkSecurityGroupRuleCreate');
    const p = ex.parameters;
    const sim = simFor(p.subscriptionId);
    const created = await call(sim, 'PUT', ruleBase(p.subscriptionId), p['api-version'], p.securityRuleParameters);
    expect(created.status).toBe(201);
    expect(created.headers.get('azure-asyncoperation')).toMatch(/\/providers\/Microsoft\.Network\/locations\/eastus\/operations\/[0-9a-f-]+\?api-version=2025-07-01$/);
    expect(created.headers.get('retry-after')).toBe('3');
    const createdBody = (await created.json()) as { properties: { provisioningState: string } };
    expect(createdBody.properties.provisioningState).toBe('Updating');
    expect(missing(ex.responses['201'].body, createdBody)).toEqual([]);
    const operation = await sim.fetch(new Request(created.headers.get('azure-asyncoperation') ?? '', { headers: { authorization: 'Bearer t' } }));
    expect(await operation.json()).toEqual({ status: 'Succeeded' });
    const updated = await call(sim, 'PUT', ruleBase(p.subscriptionId), p['api-version'], p.securityRuleParameters);
    expect(updated.status).toBe(200);
    expect(missing(ex.responses['200'].body, await updated.json())).toEqual([]);
  });

  it('Get, List, NSG Get and Delete (202 with Azure-AsyncOperation, then 204)', async () => {
    const get = example('NetworkSecurityGroupRuleGet');
    const sub = get.parameters.subscriptionId;
    const sim = simFor(sub);
    const version = get.parameters['api-version'];
    const properties = { ...get.responses['200'].body.properties };
    delete properties.provisioningState;
    const put = await call(sim, 'PUT', ruleBase(sub), version, { properties });
    await sim.fetch(new Request(put.headers.get('azure-asyncoperation') ?? '', { headers: { authorization: 'Bearer t' } }));

    const got = await call(sim, 'GET', ruleBase(sub), version);
    expect(got.status).toBe(200);
    const gotBody = (await got.json()) as { properties: Record<string, unknown> };
    expect(missing(get.responses['200'].body, gotBody)).toEqual([]);
    expect(gotBody.properties).toEqual({ ...get.responses['200'].body.properties, provisioningState: 'Succeeded' });

    const list = example('NetworkSecurityGroupRuleList');
    const listed = await call(sim, 'GET', ruleBase(sub).replace('/rule1', ''), version);
    expect(listed.status).toBe(200);
    expect(missing(list.responses['200'].body, await listed.json())).toEqual([]);

    const nsg = example('NetworkSecurityGroupGet');
    const nsgResponse = await call(sim, 'GET', ruleBase(sub).replace('/securityRules/rule1', ''), nsg.parameters['api-version']);
    expect(nsgResponse.status).toBe(200);
    const nsgBody = (await nsgResponse.json()) as { properties: { defaultSecurityRules: { properties: unknown }[] } };
    expect(missing(nsg.responses['200'].body, nsgBody)).toEqual([]);
    expect(nsgBody.properties.defaultSecurityRules.map((r: { properties: unknown }) => r.properties)).toEqual(
      nsg.responses['200'].body.properties.defaultSecurityRules.map((r: { properties: unknown }) => r.properties),
    );

    const del = example('NetworkSecurityGroupRuleDelete');
    const deleted = await call(sim, 'DELETE', ruleBase(sub), version);
    expect(deleted.status).toBe(202);
    expect(Object.keys(del.responses['202'].headers).every((h) => deleted.headers.has(h))).toBe(true);
    await sim.fetch(new Request(deleted.headers.get('azure-asyncoperation') ?? '', { headers: { authorization: 'Bearer t' } }));
    const gone = await call(sim, 'DELETE', ruleBase(sub), version);
    expect(gone.status).toBe(204);
  });

  it('NetworkInterfaces_Get: every key the connector relies on (the rest is listed as not modelled)', async () => {
    const ex = example('NetworkInterfaceGet');
    const sim = simFor(ex.parameters.subscriptionId);
    const response = await call(sim, 'GET', `/subscriptions/${ex.parameters.subscriptionId}/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/test-nic`, ex.parameters['api-version']);
    expect(response.status).toBe(200);
    const notModelled = [
      'properties.disableTcpStateTracking',
      'properties.dnsSettings.internalDomainNameSuffix',
      'properties.dscpConfiguration',
      'properties.vnetEncryptionSupported',
      'properties.ipConfigurations[].properties.publicIPAddress',
      'properties.ipConfigurations[].properties.privateIPAddressPrefixLength',
    ];
    expect(missing(ex.responses['200'].body, await response.json(), notModelled)).toEqual([]);
  });

  it('the simulator adds only keys the securityRule schema defines', async () => {
    const schema = JSON.parse(readFileSync(`${FIXTURES}/securityRule.schema.json`, 'utf8'));
    const defs = schema.definitions ?? schema;
    const ruleKeys = new Set([...Object.keys(defs.SecurityRule.properties), 'id']);
    const propertyKeys = new Set(Object.keys(defs.SecurityRulePropertiesFormat.properties));
    const sim = simFor('subid');
    const response = await call(sim, 'PUT', ruleBase('subid', 'r2'), '2024-05-01', {
      properties: { protocol: 'Tcp', access: 'Deny', direction: 'Inbound', priority: 200, sourceAddressPrefixes: ['192.0.2.0/24', '198.51.100.0/24'], destinationAddressPrefix: '*', sourcePortRange: '*', destinationPortRanges: ['80', '443'], description: 'd' },
    });
    const body = (await response.json()) as { properties: Record<string, unknown> };
    expect(Object.keys(body).filter((k) => !ruleKeys.has(k))).toEqual([]);
    expect(Object.keys(body.properties).filter((k) => !propertyKeys.has(k))).toEqual([]);
  });
});

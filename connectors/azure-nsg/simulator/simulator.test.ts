import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { type AzureSimulatorOptions, createAzureNsgSimulator } from './index.ts';
import { SIM_NSG_NAME, SIM_RESOURCE_GROUP, SIM_SUBSCRIPTION_ID } from './seed.ts';

const NSG = `/subscriptions/${SIM_SUBSCRIPTION_ID}/resourceGroups/${SIM_RESOURCE_GROUP}/providers/Microsoft.Network/networkSecurityGroups/${SIM_NSG_NAME}`;
const rule = (priority: number, extra: Record<string, unknown> = {}) => ({
  properties: { protocol: '*', access: 'Deny', direction: 'Inbound', priority, sourceAddressPrefix: '203.0.113.0/24', destinationAddressPrefix: '*', sourcePortRange: '*', destinationPortRange: '*', ...extra },
});

function world(options: AzureSimulatorOptions = {}) {
  const clock = new FakeClock();
  const sim = createAzureNsgSimulator({ clock, ...options });
  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    sim.fetch(
      new Request(path.startsWith('http') ? path : `https://management.azure.com${path}${path.includes('?') ? '&' : '?'}api-version=2024-05-01`, {
        method,
        headers: { authorization: 'Bearer t', 'content-type': 'application/json', ...headers },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }),
    );
  const finish = async (response: Response) => {
    const url = response.headers.get('azure-asyncoperation');
    if (url) await send('GET', url);
    return response;
  };
  return { sim, clock, send, finish };
}

type Page = { value: { name: string }[]; nextLink?: string };
const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string } }).error;

describe('Azure NSG simulator: the wire protocol', () => {
  it('refuses requests without a bearer token (401) and without api-version (400)', async () => {
    const { sim } = world();
    const anonymous = await sim.fetch(new Request(`https://management.azure.com${NSG}?api-version=1`));
    expect(anonymous.status).toBe(401);
    expect((await errorOf(anonymous)).code).toBe('AuthenticationFailed');
    const noVersion = await sim.fetch(new Request(`https://management.azure.com${NSG}`, { headers: { authorization: 'Bearer t' } }));
    expect((await errorOf(noVersion)).code).toBe('MissingApiVersionParameter');
  });

  it('answers the real error codes for bad rules', async () => {
    const { send, finish } = world();
    const codeOf = async (name: string, body: unknown) => (await errorOf(await send('PUT', `${NSG}/securityRules/${name}`, body))).code;
    expect(await codeOf('bad-', rule(200))).toBe('InvalidResourceName');
    expect(await codeOf('r', rule(200, { sourceAddressPrefix: '10.0.0.1/8' }))).toBe('SecurityRuleInvalidAddressPrefix');
    expect(await codeOf('r', rule(200, { sourceAddressPrefix: undefined, sourceAddressPrefixes: ['*', '10.0.0.0/8'] }))).toBe('SecurityRuleParameterContainsUnsupportedValue');
    expect(await codeOf('r', rule(200, { sourceAddressPrefix: undefined, sourceAddressPrefixes: ['10.0.0.0/8', '2001:db8::/64'] }))).toBe(
      'ResourceCannotContainAddressPrefixesFromDifferentAddressFamilies',
    );
    expect(await codeOf('r', rule(5000))).toBe('SecurityRuleInvalidPriority');
    expect(await codeOf('r', rule(200, { destinationPortRange: '70000' }))).toBe('SecurityRuleInvalidPortRange');
    expect(await codeOf('r', { nonsense: true })).toBe('InvalidRequestFormat');
    await finish(await send('PUT', `${NSG}/securityRules/a`, rule(200)));
    const conflict = await errorOf(await send('PUT', `${NSG}/securityRules/b`, rule(200)));
    expect(conflict.code).toBe('SecurityRuleConflict');
    expect(conflict.message).toBe('Security rule b conflicts with rule a. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.');
  });

  it('overlapping writes on one NSG get 429 RetryableError (RetryableErrorDueToAnotherOperation) until the operation ends', async () => {
    const { send, finish, sim } = world();
    sim.controls.slowOperations(1);
    const first = await send('PUT', `${NSG}/securityRules/a`, rule(200));
    const second = await send('PUT', `${NSG}/securityRules/b`, rule(201));
    expect(second.status).toBe(429);
    const overlap = (await second.json()) as { error: { code: string; details: { code: string }[] } };
    expect(overlap.error.code).toBe('RetryableError');
    expect(overlap.error.details[0]?.code).toBe('RetryableErrorDueToAnotherOperation');
    expect(second.headers.get('retry-after')).toBeNull();
    const url = first.headers.get('azure-asyncoperation') ?? '';
    expect(await (await send('GET', url)).json()).toEqual({ status: 'InProgress' });
    expect(await (await send('GET', url)).json()).toEqual({ status: 'Succeeded' });
    expect((await finish(await send('PUT', `${NSG}/securityRules/b`, rule(201)))).status).toBe(201);
    expect(sim.controls.overlappingWrites()).toBe(1);
  });

  it('weak ETags, If-Match → 412 when stale', async () => {
    const { send, finish } = world();
    const created = (await (await finish(await send('PUT', `${NSG}/securityRules/a`, rule(200)))).json()) as { etag: string };
    expect(created.etag).toMatch(/^W\/"[0-9a-f-]{36}"$/);
    const got = await send('GET', `${NSG}/securityRules/a`);
    expect(got.headers.get('etag')).toBe(created.etag);
    const stale = await send('PUT', `${NSG}/securityRules/a`, rule(200), { 'if-match': 'W/"stale"' });
    expect(stale.status).toBe(412);
    expect((await errorOf(stale)).code).toBe('PreconditionFailed');
    expect((await send('PUT', `${NSG}/securityRules/a`, rule(200), { 'if-match': created.etag })).status).toBe(200);
  });

  it('DELETE: 202 with Location and Azure-AsyncOperation, operationResults 202 → 204, then 204 when absent', async () => {
    const { send, finish, sim } = world();
    await finish(await send('PUT', `${NSG}/securityRules/a`, rule(200)));
    sim.controls.slowOperations(1);
    const deleted = await send('DELETE', `${NSG}/securityRules/a`);
    expect(deleted.status).toBe(202);
    const location = deleted.headers.get('location') ?? '';
    expect((await send('GET', location)).status).toBe(202);
    expect((await send('GET', location)).status).toBe(204);
    expect((await send('GET', `${NSG}/securityRules/a`)).status).toBe(404);
    expect((await send('DELETE', `${NSG}/securityRules/a`)).status).toBe(204);
  });

  it('a Failed operation carries error.code and rolls the write back', async () => {
    const { send, sim } = world();
    sim.controls.failNextOperation({ code: 'InternalServerError', message: 'boom' });
    const put = await send('PUT', `${NSG}/securityRules/a`, rule(200));
    const status = await (await send('GET', put.headers.get('azure-asyncoperation') ?? '')).json();
    expect(status).toEqual({ status: 'Failed', error: { code: 'InternalServerError', message: 'boom' } });
    expect((await send('GET', `${NSG}/securityRules/a`)).status).toBe(404);
  });

  it('lists with nextLink pages', async () => {
    const { send, finish } = world({ listPageSize: 2 });
    for (const [i, name] of ['a', 'b', 'c'].entries()) await finish(await send('PUT', `${NSG}/securityRules/${name}`, rule(200 + i)));
    const page1 = (await (await send('GET', `${NSG}/securityRules`)).json()) as Page;
    expect(page1.value.map((r: { name: string }) => r.name)).toEqual(['a', 'b']);
    const page2 = (await (await send('GET', page1.nextLink ?? '')).json()) as Page;
    expect(page2.value.map((r: { name: string }) => r.name)).toEqual(['c']);
    expect(page2.nextLink).toBeUndefined();
  });

  it('enforces the NRP write limit per 5 minutes when writeRateLimits is on, with Retry-After', async () => {
    const { send, finish, sim, clock } = world({ writeRateLimits: true, quotas: { writesPer5Min: 2 } });
    await finish(await send('PUT', `${NSG}/securityRules/a`, rule(200)));
    await finish(await send('PUT', `${NSG}/securityRules/b`, rule(201)));
    const throttled = await send('PUT', `${NSG}/securityRules/c`, rule(202));
    expect(throttled.status).toBe(429);
    expect((await errorOf(throttled)).code).toBe('Throttled');
    expect(throttled.headers.get('retry-after')).toBe('300');
    expect(sim.controls.throttledCalls()).toBe(1);
    clock.advance(300_000);
    expect((await send('PUT', `${NSG}/securityRules/c`, rule(202))).status).toBe(201);
  });

  it('throttleNext with and without Retry-After, failNext, latency on the injected clock, seeded errorRate', async () => {
    const { send, sim, clock } = world({ latencyMs: 50 });
    sim.controls.throttleNext(1, 4);
    const withHeader = await send('PUT', `${NSG}/securityRules/a`, rule(200));
    expect([withHeader.status, withHeader.headers.get('retry-after')]).toEqual([429, '4']);
    sim.controls.throttleNext(1);
    const without = await send('PUT', `${NSG}/securityRules/a`, rule(200));
    expect([without.status, without.headers.get('retry-after'), (await errorOf(without)).code]).toEqual([429, null, 'RetryableError']);
    sim.controls.failNext(1, 503);
    expect((await send('GET', NSG)).status).toBe(503);
    expect(clock.sleeps).toEqual([50, 50, 50]);
    expect(sim.controls.writeCalls()).toBe(2);

    const statuses = async (seed: number) => {
      const w = world({ errorRate: 0.5, seed });
      const out: number[] = [];
      for (let i = 0; i < 8; i++) out.push((await w.send('GET', NSG)).status);
      return out;
    };
    const run = await statuses(7);
    expect(run).toEqual(await statuses(7));
    expect(run.some((s) => s === 500) && run.some((s) => s === 200)).toBe(true);
  });

  it('quotas lower the rules-per-NSG and prefixes-per-NSG limits', async () => {
    const { send, finish } = world({ quotas: { rulesPerNsg: 1, prefixesPerNsg: 2 } });
    const many = rule(200, { sourceAddressPrefix: undefined, sourceAddressPrefixes: ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24'] });
    expect((await errorOf(await send('PUT', `${NSG}/securityRules/a`, many))).code).toBe('SecurityRuleAddressesOrPortsPerSecurityGroupLimitReached');
    await finish(await send('PUT', `${NSG}/securityRules/a`, rule(200)));
    expect((await errorOf(await send('PUT', `${NSG}/securityRules/b`, rule(201)))).code).toBe('SecurityRuleCountLimitReached');
  });
});

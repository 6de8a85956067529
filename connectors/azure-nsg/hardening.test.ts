/**
 * Issue 9, items 19 and 21 (Azure): the README's custom role is enough for every rule the connector
 * writes (an application security group needs `joinNetworkSecurityRule/action`), the retry-after headers
 * are read in their units, and the simulator answers as NRP does where it used to differ.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { type AzureSandbox, TEST_BAND, TEST_TARGET, denyRule, startAzureSandbox } from './harness.ts';
import { createAzureNsgSimulator } from './simulator/index.ts';
import { SIM_NSG_NAME, SIM_RESOURCE_GROUP, SIM_SUBSCRIPTION_ID } from './simulator/seed.ts';

let sandbox: AzureSandbox;
afterEach(() => sandbox?.close());

/** The Actions of the custom role printed in README.md, exactly as a user would create it. */
function readmeRoleActions(): string[] {
  const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Least-privilege custom role'));
  const json = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (!json) throw new Error('README.md has no custom role JSON block');
  return (JSON.parse(json) as { Actions: string[] }).Actions;
}

const ASG = `/subscriptions/${SIM_SUBSCRIPTION_ID}/resourceGroups/${SIM_RESOURCE_GROUP}/providers/Microsoft.Network/applicationSecurityGroups/asg-web`;
const allowFromAsg = () =>
  denyRule([], TEST_BAND.from + 20, { action: 'allow', protocol: 'tcp', ports: [{ from: 443, to: 443 }], sourceGroup: ASG });

describe('item 19: the custom role in the README', () => {
  it('lets the connector write deny rules and allow rules from an application security group, and delete them', async () => {
    sandbox = startAzureSandbox({ sim: { roleActions: readmeRoleActions() } });
    const results = await sandbox.connector.apply(TEST_TARGET, [
      { op: 'create', rule: denyRule(['203.0.113.7/32']) },
      { op: 'create', rule: allowFromAsg() },
    ]);
    expect(results.map((r) => [r.ok, r.error?.code])).toEqual([
      [true, undefined],
      [true, undefined],
    ]);
    const listed = await sandbox.connector.list(TEST_TARGET);
    expect(listed.find((r) => r.action === 'allow')?.sourceGroup).toBe(ASG);
    const deleted = await sandbox.connector.apply(TEST_TARGET, listed.map((rule) => ({ op: 'delete' as const, rule })));
    expect(deleted.every((r) => r.ok)).toBe(true);
  });

  it('without joinNetworkSecurityRule/action the ASG rule is 403 LinkedAuthorizationFailed (a permission error, not retried)', async () => {
    const actions = readmeRoleActions().filter((a) => !a.startsWith('Microsoft.Network/applicationSecurityGroups/'));
    sandbox = startAzureSandbox({ sim: { roleActions: actions } });
    const [result] = await sandbox.connector.apply(TEST_TARGET, [{ op: 'create', rule: allowFromAsg() }]);
    expect(result?.error).toMatchObject({ kind: 'permission', code: 'LinkedAuthorizationFailed', retryable: false });
    expect(result?.calls.at(-1)?.attempts).toHaveLength(1);
  });
});

describe('item 19: retry-after headers in their units', () => {
  it('x-ms-retry-after-ms is milliseconds: waits 1,500 ms, not 1,500 s', async () => {
    sandbox = startAzureSandbox();
    sandbox.sim.controls.throttleNextWith(1, { 'x-ms-retry-after-ms': '1500' });
    const [result] = await sandbox.connector.apply(TEST_TARGET, [{ op: 'create', rule: denyRule(['203.0.113.7/32']) }]);
    expect(result?.ok).toBe(true);
    expect(result?.calls.at(-1)?.attempts[0]).toMatchObject({ outcome: 'retryable', status: 429, delayMs: 1500 });
    expect(sandbox.clock.sleeps[0]).toBe(1500);
  });

  it('retry-after-ms is read too (and wins over Retry-After, as core-rest-pipeline reads them)', async () => {
    sandbox = startAzureSandbox();
    sandbox.sim.controls.throttleNextWith(1, { 'retry-after-ms': '2500', 'Retry-After': '9' });
    const [result] = await sandbox.connector.apply(TEST_TARGET, [{ op: 'create', rule: denyRule(['203.0.113.7/32']) }]);
    expect(result?.ok).toBe(true);
    expect(result?.calls.at(-1)?.attempts[0]?.delayMs).toBe(2500);
  });
});

describe('item 21: the simulator as NRP answers', () => {
  const NSG = `/subscriptions/${SIM_SUBSCRIPTION_ID}/resourceGroups/${SIM_RESOURCE_GROUP}/providers/Microsoft.Network/networkSecurityGroups/${SIM_NSG_NAME}`;
  const sim = () => createAzureNsgSimulator({ clock: new FakeClock() });
  const put = (s: ReturnType<typeof sim>, name: string, properties: Record<string, unknown>) =>
    s.fetch(
      new Request(`https://management.azure.com${NSG}/securityRules/${name}?api-version=2024-05-01`, {
        method: 'PUT',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        body: JSON.stringify({
          properties: { protocol: '*', access: 'Deny', direction: 'Inbound', priority: 300, destinationAddressPrefix: '*', sourcePortRange: '*', destinationPortRange: '*', ...properties },
        }),
      }),
    );

  it('refuses a rule that sets both sourceAddressPrefix and sourceAddressPrefixes (400)', async () => {
    const res = await put(sim(), 'both', { sourceAddressPrefix: '203.0.113.0/24', sourceAddressPrefixes: ['198.51.100.0/24'] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/both sourceAddressPrefix and sourceAddressPrefixes/);
  });

  it('accepts regional service tags such as Storage.WestEurope', async () => {
    const res = await put(sim(), 'storage', { sourceAddressPrefix: 'Storage.WestEurope' });
    expect(res.status).toBe(201);
  });

  it('reads carry x-ms-ratelimit-remaining-subscription-reads', async () => {
    const res = await sim().fetch(
      new Request(`https://management.azure.com${NSG}/securityRules?api-version=2024-05-01`, { headers: { authorization: 'Bearer t' } }),
    );
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('x-ms-ratelimit-remaining-subscription-reads'))).toBeGreaterThan(0);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { denyRule } from './test-rules.ts';
import { startTestbed, TARGET, type Testbed } from './testbed.ts';

let bed: Testbed;
afterEach(() => bed.close());

const owned = async () => (await bed.connector.list(TARGET)).filter((r) => r.owned);

describe('apply and list (happy path)', () => {
  it('creates deny and allow rules with the ownership prefix and lists them back as owned', async () => {
    bed = startTestbed();
    const results = await bed.connector.apply(TARGET, [
      { op: 'create', rule: denyRule({ cidrs: ['203.0.113.7/32', '198.51.100.0/24'], intentIds: ['i-1', 'i-2'] }) },
      {
        op: 'create',
        rule: denyRule({ action: 'allow', protocol: 'tcp', ports: [{ from: 443, to: 443 }, { from: 8000, to: 8080 }], priority: 1500 }),
      },
      { op: 'create', rule: denyRule({ direction: 'egress', cidrs: ['192.0.2.0/24'] }) },
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    for (const r of results) expect(r.cloudId).toMatch(/^portcullis-[a-z]+-(in|eg)-p\d+-[0-9a-f]{10}$/);
    const firewall = bed.sim.controls.firewall(results[1]?.cloudId ?? '');
    expect(firewall).toMatchObject({ allowed: [{ IPProtocol: 'tcp', ports: ['443', '8000-8080'] }], priority: 1500, direction: 'INGRESS' });
    expect(bed.sim.controls.firewall(results[2]?.cloudId ?? '')).toMatchObject({ destinationRanges: ['192.0.2.0/24'], direction: 'EGRESS' });

    const rules = await owned();
    expect(rules).toHaveLength(3);
    expect(rules.find((r) => r.cloudId === results[0]?.cloudId)).toMatchObject({
      action: 'deny',
      protocol: 'all',
      cidrs: ['203.0.113.7/32', '198.51.100.0/24'],
      intentIds: ['i-1', 'i-2'],
      owned: true,
      placement: 'firewall',
    });
  });

  it('reports the request id and the operation name of every call', async () => {
    bed = startTestbed();
    const [result] = await bed.connector.apply(TARGET, [{ op: 'create', rule: denyRule() }]);
    expect(result?.calls.map((c) => c.operation)).toEqual(['compute.firewalls.insert', 'compute.globalOperations.wait']);
    expect(result?.calls[0]?.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(result?.calls[1]?.requestId).toMatch(/^operation-/);
    expect(bed.sim.controls.requests()[0]?.requestId).toBe(result?.calls[0]?.requestId);
  });

  it('updates a rule in place with a PUT of the whole rule', async () => {
    bed = startTestbed();
    const [created] = await bed.connector.apply(TARGET, [{ op: 'create', rule: denyRule({ cidrs: ['203.0.113.7/32'] }) }]);
    const before = (await owned())[0];
    if (!before) throw new Error('rule missing');
    const [updated] = await bed.connector.apply(TARGET, [
      { op: 'update', before, rule: { ...before, cidrs: ['198.51.100.0/24', '203.0.113.7/32'], priority: 1100 } },
    ]);
    expect(updated).toMatchObject({ ok: true, cloudId: created?.cloudId });
    expect(bed.sim.controls.requests().filter((r) => r.operation === 'firewalls.update')).toHaveLength(1);
    expect(bed.sim.controls.firewall(created?.cloudId ?? '')).toMatchObject({ sourceRanges: ['198.51.100.0/24', '203.0.113.7/32'], priority: 1100 });
  });

  it('replaces the rule when the action changes (GCP cannot change it in place)', async () => {
    bed = startTestbed();
    await bed.connector.apply(TARGET, [{ op: 'create', rule: denyRule() }]);
    const before = (await owned())[0];
    if (!before) throw new Error('rule missing');
    const [result] = await bed.connector.apply(TARGET, [{ op: 'update', before, rule: { ...before, action: 'allow' } }]);
    expect(result?.ok).toBe(true);
    expect(result?.cloudId).not.toBe(before.cloudId);
    expect(bed.sim.controls.firewall(before.cloudId ?? '')).toBeUndefined();
    expect((await owned()).map((r) => r.action)).toEqual(['allow']);
  });

  it('deletes owned rules, and a rule already gone counts as deleted once a GET confirms it', async () => {
    bed = startTestbed();
    const [a, b] = await bed.connector.apply(TARGET, [{ op: 'create', rule: denyRule() }, { op: 'create', rule: denyRule({ cidrs: ['192.0.2.1/32'] }) }]);
    await bed.sim.controls.deleteOutOfBand('default', b?.cloudId ?? '');
    const results = await bed.connector.apply(TARGET, [
      { op: 'delete', rule: denyRule({ cloudId: a?.cloudId }) },
      { op: 'delete', rule: denyRule({ cloudId: b?.cloudId }) },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(results[1]?.calls.map((c) => c.operation)).toEqual(['compute.firewalls.delete', 'compute.firewalls.get']);
    expect(await owned()).toEqual([]);
  });

  it('treats 409 alreadyExists on insert as success when a GET shows the same rule', async () => {
    bed = startTestbed();
    const rule = denyRule({ cloudId: 'portcullis-fixed-name' });
    const [first] = await bed.connector.apply(TARGET, [{ op: 'create', rule }]);
    const [again] = await bed.connector.apply(TARGET, [{ op: 'create', rule }]);
    expect(first?.ok).toBe(true);
    expect(again?.ok).toBe(true);
    expect(again?.calls.map((c) => c.operation)).toEqual(['compute.firewalls.insert', 'compute.firewalls.get']);
    expect(again?.calls[0]?.attempts[0]).toMatchObject({ outcome: 'fatal', code: 'alreadyExists', status: 409 });
    // A different rule under that name is a conflict, not a success.
    const [clash] = await bed.connector.apply(TARGET, [{ op: 'create', rule: { ...rule, cidrs: ['192.0.2.0/24'] } }]);
    expect(clash).toMatchObject({ ok: false, error: { kind: 'conflict', code: 'alreadyExists' } });
  });
});

describe('names', () => {
  it('a repeated create finds its own rule; a different rule under the derived name moves the create to the next name', async () => {
    bed = startTestbed();
    const [first] = await bed.connector.apply(TARGET, [{ op: 'create', rule: denyRule() }]);
    const [repeat] = await bed.connector.apply(TARGET, [{ op: 'create', rule: denyRule() }]);
    expect(repeat).toMatchObject({ ok: true, cloudId: first?.cloudId });
    // The rule is updated in place (keeping its name), then the original content is created again.
    const before = (await owned())[0];
    if (!before) throw new Error('rule missing');
    await bed.connector.apply(TARGET, [{ op: 'update', before, rule: { ...before, cidrs: ['192.0.2.9/32'] } }]);
    const [again] = await bed.connector.apply(TARGET, [{ op: 'create', rule: denyRule() }]);
    expect(again?.ok).toBe(true);
    expect(again?.cloudId).not.toBe(first?.cloudId);
    expect((await owned()).map((r) => r.cidrs).sort()).toEqual([['192.0.2.9/32'], ['203.0.113.7/32']]);
  });
});

describe('ownership', () => {
  it('lists foreign rules as not owned and never writes to them', async () => {
    bed = startTestbed();
    await bed.sim.controls.addForeignRule('default', denyRule({ priority: 1200, cidrs: ['192.0.2.0/24'] }));
    const foreign = (await bed.connector.list(TARGET)).filter((r) => !r.owned);
    expect(foreign.map((r) => r.cloudId)).toEqual(expect.arrayContaining(['default-allow-internal', 'default-allow-ssh', 'console-rule-1']));
    const results = await bed.connector.apply(
      TARGET,
      foreign.map((rule) => ({ op: 'delete' as const, rule })),
    );
    expect(results.every((r) => !r.ok && r.error?.kind === 'validation')).toBe(true);
    expect(bed.sim.controls.writeCalls()).toBe(0);
    expect(bed.sim.controls.firewallNames()).toEqual(['console-rule-1', 'default-allow-internal', 'default-allow-ssh']);
  });

  it('lists only the target network', async () => {
    bed = startTestbed();
    await bed.sim.controls.addForeignRule('prod-vpc', denyRule({ cidrs: ['192.0.2.0/24'] }));
    const names = (await bed.connector.list(TARGET)).map((r) => r.cloudId);
    expect(names).not.toContain('console-rule-1');
  });
});

describe('IPv4 and IPv6', () => {
  it('keeps families in separate rules; the simulator rejects a mixed rule as GCP does', async () => {
    bed = startTestbed();
    const results = await bed.connector.apply(TARGET, [
      { op: 'create', rule: denyRule({ cidrs: ['203.0.113.7/32'] }) },
      { op: 'create', rule: denyRule({ cidrs: ['2001:db8::/64', '2001:db8:1::1/128'] }) },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(bed.sim.controls.firewall(results[1]?.cloudId ?? '')?.sourceRanges).toEqual(['2001:db8::/64', '2001:db8:1::1/128']);
    const mixed = await bed.sim.fetch(
      new Request('https://compute.googleapis.com/compute/v1/projects/portcullis-sandbox/global/firewalls', {
        method: 'POST',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'mixed', denied: [{ IPProtocol: 'all' }], sourceRanges: ['10.0.0.0/8', '::/0'] }),
      }),
    );
    expect(mixed.status).toBe(400);
    expect(((await mixed.json()) as { error: { errors: { reason: string }[] } }).error.errors[0]?.reason).toBe('invalid');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { blockRuleName } from './names.ts';
import { WAF_SIM_WEB_ACL } from './simulator/seed.ts';
import { blockRule, startTestbed, TARGET } from './testbed.ts';

let bed: ReturnType<typeof startTestbed> | undefined;
afterEach(() => bed?.close());
const start = (...args: Parameters<typeof startTestbed>) => {
  bed = startTestbed(...args);
  return bed;
};
const failed = (result: { checks: { ok: boolean; name: string; detail?: string }[] }) => result.checks.filter((c) => !c.ok);

/** A raw JSON 1.1 call to the simulator, as a person with the console or CLI would make it. */
async function wafCall(b: ReturnType<typeof startTestbed>, action: string, body: object) {
  const response = await b.sim.fetch(
    new Request(`${b.sim.origins[0]}/`, {
      method: 'POST',
      headers: { 'x-amz-target': `AWSWAF_20190729.${action}`, 'content-type': 'application/x-amz-json-1.1', authorization: 'AWS4-HMAC-SHA256 test' },
      body: JSON.stringify(body),
    }),
  );
  return (await response.json()) as Record<string, never>;
}

describe('check (read-only, at start)', () => {
  it('passes on the sandbox web ACL and changes nothing', async () => {
    const b = start();
    const result = await b.connector.check(TARGET);
    expect(failed(result)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(b.sim.controls.writeCalls()).toBe(0);
  });

  it('a web ACL that does not exist is a clear error naming it, its scope and the config key', async () => {
    const b = start({ target: { webAcl: 'no-such-acl' } });
    const result = await b.connector.check(TARGET);
    expect(result.ok).toBe(false);
    expect(failed(result)[0]?.detail).toMatch(/no web ACL named "no-such-acl" in scope REGIONAL \(us-east-1\).*never creates one.*targets\[edge\]\.webAcl/);
    expect(b.sim.controls.writeCalls()).toBe(0);
    // And the connector refuses to act on it: list fails with the same sentence, apply writes nothing.
    await expect(b.connector.list(TARGET)).rejects.toThrow(/does not exist in scope REGIONAL/);
    const [applied] = await b.connector.apply(TARGET, [{ op: 'create', rule: blockRule(['203.0.113.7/32']) }]);
    expect(applied?.error?.code).toBe('WebACLNotFound');
    expect(b.sim.controls.writeCalls()).toBe(0);
  });

  it('the web ACL in the other scope is not found (CLOUDFRONT and REGIONAL are apart)', async () => {
    const b = start({ target: { scope: 'CLOUDFRONT' } });
    expect((await b.connector.check(TARGET)).ok).toBe(false);
  });

  it('an IP set with the service’s name but no marker is reported and never modified', async () => {
    const b = start();
    await wafCall(b, 'CreateIPSet', { Name: `portcullis-${TARGET}-v4-3`, Scope: 'REGIONAL', IPAddressVersion: 'IPV4', Addresses: ['192.0.2.1/32'], Description: 'by hand' });
    const writes = b.sim.controls.writeCalls();
    const result = await b.connector.check(TARGET);
    expect(result.ok).toBe(false);
    expect(failed(result).map((c) => c.detail).join('\n')).toMatch(/has portcullis's name but not its marker/);
    expect(b.sim.controls.writeCalls()).toBe(writes);
  });

  it('its rule referencing a set it does not own is reported, and the priority clash of a new rule too', async () => {
    const b = start();
    const created = (await wafCall(b, 'CreateIPSet', { Name: 'someone-elses', Scope: 'REGIONAL', IPAddressVersion: 'IPV4', Addresses: ['192.0.2.1/32'] })) as {
      Summary?: { ARN: string };
    };
    const acl = [...b.sim.state.webAcls.REGIONAL.values()].find((a) => a.Name === WAF_SIM_WEB_ACL);
    acl?.Rules.push({
      Name: blockRuleName('portcullis', TARGET),
      Priority: 0,
      Statement: { IPSetReferenceStatement: { ARN: created.Summary?.ARN ?? '' } },
      Action: { Block: {} },
      VisibilityConfig: {},
    });
    const result = await b.connector.check(TARGET);
    expect(failed(result)[0]?.detail).toMatch(/references IP set someone-elses, which is not owned/);

    const clash = start({ target: { rulePriority: 10 } });
    const clashed = await clash.connector.check(TARGET);
    expect(failed(clashed)[0]?.detail).toMatch(/rule AWS-AWSManagedRulesCommonRuleSet already has priority 10/);
  });

  it('an owned set whose owner tag names another connector is reported', async () => {
    const b = start();
    const [created] = await b.connector.apply(TARGET, [{ op: 'create', rule: blockRule(['203.0.113.7/32']) }]);
    expect(created?.ok).toBe(true);
    b.sim.state.tags.set(created?.cloudId ?? '', [{ Key: 'portcullis:owner', Value: 'another' }]);
    expect(failed(await b.connector.check(TARGET))[0]?.detail).toMatch(/tag portcullis:owner is "another"/);
  });

  it('a missing read permission is reported with the denied action', async () => {
    const b = start({ sim: { deniedActions: ['ListIPSets'] } });
    const result = await b.connector.check(TARGET);
    expect(failed(result)[0]?.detail).toMatch(/AccessDeniedException: .*wafv2:ListIPSets/);
  });
});

describe('validate (before any call)', () => {
  const b = () => start();
  it('refuses what an IP set cannot express, each with the reason and the way out', async () => {
    const { connector } = b();
    const problems = (extra: Parameters<typeof blockRule>[2], cidrs = ['203.0.113.7/32']) => connector.validate(TARGET, blockRule(cidrs, 1, extra)).join('\n');
    expect(connector.validate(TARGET, blockRule(['203.0.113.7/32']))).toEqual([]);
    expect(problems({ action: 'allow' })).toMatch(/only blocks.*allow rules/);
    expect(problems({ direction: 'egress' })).toMatch(/cannot block egress/);
    expect(problems({ protocol: 'tcp', ports: [{ from: 443, to: 443 }] })).toMatch(/cannot be limited to protocol tcp or to ports/);
    expect(problems({}, ['0.0.0.0/0'])).toMatch(/except \/0/);
    expect(problems({}, ['203.0.113.7/32', '2001:db8::1/128'])).toMatch(/IPv4 or IPv6 addresses, not both/);
    expect(problems({ priority: 11 })).toMatch(/outside the IP set slots 1-10/);
    expect(problems({}, ['203.0.113.7/24'])).toMatch(/not a valid CIDR/);
  });
});

describe('apply honours what check reports', () => {
  it('does not change its block rule while that rule references a set it does not own', async () => {
    const b = start();
    const [first] = await b.connector.apply(TARGET, [{ op: 'create', rule: blockRule(['203.0.113.7/32']) }]);
    expect(first?.ok).toBe(true);
    const created = (await wafCall(b, 'CreateIPSet', { Name: 'someone-elses', Scope: 'REGIONAL', IPAddressVersion: 'IPV4', Addresses: ['192.0.2.1/32'] })) as {
      Summary?: { ARN: string };
    };
    const acl = [...b.sim.state.webAcls.REGIONAL.values()].find((a) => a.Name === WAF_SIM_WEB_ACL);
    const ours = acl?.Rules.find((r) => r.Name === blockRuleName('portcullis', TARGET));
    if (!ours) throw new Error('no block rule');
    ours.Statement = { OrStatement: { Statements: [ours.Statement, { IPSetReferenceStatement: { ARN: created.Summary?.ARN ?? '' } }] } };
    const before = JSON.stringify(acl?.Rules);
    const [second] = await b.connector.apply(TARGET, [{ op: 'create', rule: blockRule(['2001:db8::7/128'], 2) }]);
    expect(second?.ok).toBe(false);
    expect(second?.error?.message).toMatch(/references IP sets portcullis does not own \(someone-elses\)/);
    expect(JSON.stringify(acl?.Rules)).toBe(before);
    // The set made for the refused change holds nothing: nothing half-applied.
    expect([...b.sim.state.ipSets.REGIONAL.values()].find((s) => s.Name === 'portcullis-edge-v6-2')?.Addresses).toEqual([]);
  });
});

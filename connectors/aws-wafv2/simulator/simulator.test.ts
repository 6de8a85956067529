import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { createWafSimulator } from './index.ts';

/** The simulator's wire format and refusals, spoken to as raw JSON 1.1 (what the SDK sends). */
function simulator(options: Parameters<typeof createWafSimulator>[0] = {}) {
  const clock = new FakeClock();
  const sim = createWafSimulator({ clock, ...options });
  const call = async (action: string, body: object, headers: Record<string, string> = { authorization: 'AWS4-HMAC-SHA256 test' }) => {
    const response = await sim.fetch(
      new Request('https://wafv2.us-east-1.amazonaws.com/', {
        method: 'POST',
        headers: { 'x-amz-target': `AWSWAF_20190729.${action}`, 'content-type': 'application/x-amz-json-1.1', ...headers },
        body: JSON.stringify(body),
      }),
    );
    // Loosely typed on purpose: the tests read the wire members by name.
    // biome-ignore lint/suspicious/noExplicitAny: a JSON answer whose shape each test asserts
    return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, any> };
  };
  return { sim, clock, call };
}
const create = (name: string, addresses: string[] = ['192.0.2.1/32'], version = 'IPV4') => ({ Name: name, Scope: 'REGIONAL', IPAddressVersion: version, Addresses: addresses });

describe('WAF simulator (JSON 1.1, AWSWAF_20190729)', () => {
  it('answers with the documented shapes: Summary on create, IPSet and LockToken on get, NextLockToken on update', async () => {
    const { call } = simulator();
    const created = await call('CreateIPSet', { ...create('blocks'), Description: 'a set' });
    expect(created.status).toBe(200);
    expect(created.type).toBe('application/x-amz-json-1.1');
    expect(created.body.Summary).toMatchObject({ Name: 'blocks', Description: 'a set' });
    expect(created.body.Summary.ARN).toMatch(/^arn:aws:wafv2:us-east-1:123456789012:regional\/ipset\/blocks\/[0-9a-f-]{36}$/);
    const { Id } = created.body.Summary;
    const got = await call('GetIPSet', { Name: 'blocks', Scope: 'REGIONAL', Id });
    expect(got.body.IPSet).toMatchObject({ Name: 'blocks', Id, IPAddressVersion: 'IPV4', Addresses: ['192.0.2.1/32'] });
    expect(got.body.LockToken).toBe(created.body.Summary.LockToken);
    const updated = await call('UpdateIPSet', { Name: 'blocks', Scope: 'REGIONAL', Id, Addresses: [], LockToken: got.body.LockToken });
    expect(updated.body.NextLockToken).not.toBe(got.body.LockToken);
  });

  it('a stale LockToken is WAFOptimisticLockException; a wrong id WAFNonexistentItemException', async () => {
    const { call } = simulator();
    const { Summary } = (await call('CreateIPSet', create('blocks'))).body;
    const first = await call('UpdateIPSet', { Name: 'blocks', Scope: 'REGIONAL', Id: Summary.Id, Addresses: [], LockToken: Summary.LockToken });
    expect(first.status).toBe(200);
    const stale = await call('UpdateIPSet', { Name: 'blocks', Scope: 'REGIONAL', Id: Summary.Id, Addresses: [], LockToken: Summary.LockToken });
    expect(stale).toMatchObject({ status: 400, body: { __type: 'WAFOptimisticLockException' } });
    const missing = await call('GetIPSet', { Name: 'blocks', Scope: 'REGIONAL', Id: 'a1b2c3d4-0000-4000-8000-000000000000' });
    expect(missing).toMatchObject({ status: 400, body: { __type: 'WAFNonexistentItemException' } });
  });

  it('enforces the quotas: 10,000 addresses per set and the IP sets per scope', async () => {
    const { call, sim } = simulator();
    const many = Array.from({ length: 10_001 }, (_, i) => `10.0.${i >> 8}.${i & 255}/32`);
    expect((await call('CreateIPSet', create('big', many))).body.__type).toBe('WAFLimitsExceededException');
    expect((await call('CreateIPSet', create('full', many.slice(0, 10_000)))).status).toBe(200);
    sim.controls.setQuotas({ ipSetsPerScope: 1 });
    expect((await call('CreateIPSet', create('second'))).body.__type).toBe('WAFLimitsExceededException');
  });

  it('refuses bad addresses and names as WAFInvalidParameterException / ValidationException, duplicates as WAFDuplicateItemException', async () => {
    const { call } = simulator();
    expect((await call('CreateIPSet', create('v4', ['2001:db8::/32']))).body).toMatchObject({ __type: 'WAFInvalidParameterException', Field: 'IP_ADDRESS' });
    expect((await call('CreateIPSet', create('zero', ['0.0.0.0/0']))).body.__type).toBe('WAFInvalidParameterException');
    expect((await call('CreateIPSet', create('bad name!'))).body.__type).toBe('ValidationException');
    await call('CreateIPSet', create('twice'));
    expect((await call('CreateIPSet', create('twice'))).body.__type).toBe('WAFDuplicateItemException');
  });

  it('a set a web ACL references cannot be deleted (WAFAssociatedItemException); unknown sets cannot be referenced', async () => {
    const { call, sim } = simulator();
    const acl = [...sim.state.webAcls.REGIONAL.values()][0];
    const { Summary } = (await call('CreateIPSet', create('blocks'))).body;
    const got = (await call('GetWebACL', { Name: acl?.Name, Scope: 'REGIONAL', Id: acl?.Id })).body;
    const rule = { Name: 'b', Priority: 1, Statement: { IPSetReferenceStatement: { ARN: Summary.ARN } }, Action: { Block: {} }, VisibilityConfig: {} };
    const base = { Name: acl?.Name, Scope: 'REGIONAL', Id: acl?.Id, DefaultAction: got.WebACL.DefaultAction, VisibilityConfig: got.WebACL.VisibilityConfig };
    const bogus = { ...rule, Statement: { IPSetReferenceStatement: { ARN: `${Summary.ARN}x` } } };
    expect((await call('UpdateWebACL', { ...base, Rules: [bogus], LockToken: got.LockToken })).body.__type).toBe('WAFNonexistentItemException');
    const or1 = { ...rule, Statement: { OrStatement: { Statements: [rule.Statement] } } };
    expect((await call('UpdateWebACL', { ...base, Rules: [or1], LockToken: got.LockToken })).body.__type).toBe('WAFInvalidParameterException');
    expect((await call('UpdateWebACL', { ...base, Rules: [rule], LockToken: got.LockToken })).status).toBe(200);
    const set = (await call('GetIPSet', { Name: 'blocks', Scope: 'REGIONAL', Id: Summary.Id })).body;
    expect((await call('DeleteIPSet', { Name: 'blocks', Scope: 'REGIONAL', Id: Summary.Id, LockToken: set.LockToken })).body.__type).toBe('WAFAssociatedItemException');
  });

  it('pages ListIPSets with Limit and NextMarker', async () => {
    const { call } = simulator();
    for (const n of [1, 2, 3]) await call('CreateIPSet', create(`s${n}`));
    const first = await call('ListIPSets', { Scope: 'REGIONAL', Limit: 2 });
    expect(first.body.IPSets.map((s: { Name: string }) => s.Name)).toEqual(['s1', 's2']);
    const second = await call('ListIPSets', { Scope: 'REGIONAL', Limit: 2, NextMarker: first.body.NextMarker });
    expect(second.body.IPSets.map((s: { Name: string }) => s.Name)).toEqual(['s3']);
    expect(second.body.NextMarker).toBeUndefined();
  });

  it('with writeRateLimits, a second write of one action within a second is ThrottlingException: Rate exceeded', async () => {
    const { call, clock, sim } = simulator({ writeRateLimits: true });
    expect((await call('CreateIPSet', create('a'))).status).toBe(200);
    expect((await call('CreateIPSet', create('b'))).body).toMatchObject({ __type: 'ThrottlingException', Message: 'Rate exceeded' });
    // Reads are not limited, and another action has its own allowance.
    expect((await call('ListIPSets', { Scope: 'REGIONAL' })).status).toBe(200);
    clock.advance(1000);
    expect((await call('CreateIPSet', create('b'))).status).toBe(200);
    expect(sim.controls.throttledCalls()).toBe(1);
  });

  it('unsigned requests and unknown operations are refused', async () => {
    const { call } = simulator();
    expect((await call('ListIPSets', { Scope: 'REGIONAL' }, {})).status).toBe(403);
    expect((await call('DescribeEverything', {})).body.__type).toBe('UnknownOperationException');
  });
});

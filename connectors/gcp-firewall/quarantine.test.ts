import { afterEach, describe, expect, it } from 'vitest';
import { GCP_SIM_INSTANCE, GCP_SIM_INSTANCE_TAGS } from './simulator/seed.ts';
import { BAND, IPV4_TARGET, startTestbed, TARGET, type Testbed } from './testbed.ts';

let bed: Testbed;
afterEach(() => bed.close());

const setTagCalls = () => bed.sim.controls.requests().filter((r) => r.operation === 'instances.setTags');
const quarantineRules = () => bed.sim.controls.firewallNames().filter((n) => n.startsWith('portcullis-quarantine-'));

describe('quarantine and release', () => {
  it('tags the instance, creates deny-all rules for the tag, and release restores the exact tags', async () => {
    bed = startTestbed();
    const before = bed.sim.controls.hostState(GCP_SIM_INSTANCE);
    expect(before).toEqual({ zone: 'us-central1-a', tags: GCP_SIM_INSTANCE_TAGS });

    const q = await bed.connector.quarantine(TARGET, GCP_SIM_INSTANCE);
    expect(q).toMatchObject({ ok: true, previous: { tags: GCP_SIM_INSTANCE_TAGS } });
    expect(bed.sim.controls.hostState(GCP_SIM_INSTANCE)).toEqual({
      zone: 'us-central1-a',
      tags: [...GCP_SIM_INSTANCE_TAGS, 'portcullis-quarantine'],
    });
    expect(quarantineRules()).toEqual([
      'portcullis-quarantine-eg4-default',
      'portcullis-quarantine-eg6-default',
      'portcullis-quarantine-in4-default',
      'portcullis-quarantine-in6-default',
    ]);
    expect(bed.sim.controls.firewall('portcullis-quarantine-in4-default')).toMatchObject({
      denied: [{ IPProtocol: 'all' }],
      sourceRanges: ['0.0.0.0/0'],
      targetTags: ['portcullis-quarantine'],
      priority: BAND.from,
      direction: 'INGRESS',
    });
    expect(bed.sim.controls.firewall('portcullis-quarantine-eg6-default')).toMatchObject({
      destinationRanges: ['::/0'],
      direction: 'EGRESS',
    });
    // setTags carried the fingerprint from the instance read, with a requestId.
    expect(setTagCalls()).toHaveLength(1);
    expect(setTagCalls()[0]?.requestId).toBeDefined();

    const r = await bed.connector.release(TARGET, GCP_SIM_INSTANCE, q.previous);
    expect(r.ok).toBe(true);
    expect(bed.sim.controls.hostState(GCP_SIM_INSTANCE)).toEqual(before);
    // The rules stay (they match only tagged instances and may serve other hosts).
    expect(quarantineRules()).toHaveLength(4);
  });

  it('is idempotent: a second quarantine and a second release change nothing', async () => {
    bed = startTestbed();
    const first = await bed.connector.quarantine(TARGET, GCP_SIM_INSTANCE);
    const second = await bed.connector.quarantine(TARGET, GCP_SIM_INSTANCE);
    expect(second).toMatchObject({ ok: true, previous: first.previous });
    expect(setTagCalls()).toHaveLength(1);
    expect(quarantineRules()).toHaveLength(4);
    const writesBefore = bed.sim.controls.writeCalls();
    await bed.connector.release(TARGET, GCP_SIM_INSTANCE, first.previous);
    const again = await bed.connector.release(TARGET, GCP_SIM_INSTANCE, first.previous);
    expect(again.ok).toBe(true);
    expect(bed.sim.controls.writeCalls()).toBe(writesBefore + 1);
    expect(bed.sim.controls.hostState(GCP_SIM_INSTANCE)).toEqual({ zone: 'us-central1-a', tags: GCP_SIM_INSTANCE_TAGS });
  });

  it('retries after a fresh read when the fingerprint went stale (412 conditionNotMet)', async () => {
    bed = startTestbed();
    bed.sim.controls.conflictNextSetTags(1);
    const q = await bed.connector.quarantine(TARGET, GCP_SIM_INSTANCE);
    expect(q.ok).toBe(true);
    expect(setTagCalls().map((c) => c.status)).toEqual([412, 200]);
    const setTags = q.calls.filter((c) => c.operation === 'compute.instances.setTags');
    expect(setTags[0]?.attempts).toEqual([expect.objectContaining({ outcome: 'fatal', code: 'conditionNotMet', status: 412 })]);
    expect(bed.sim.controls.hostState(GCP_SIM_INSTANCE)).toMatchObject({ tags: expect.arrayContaining(['portcullis-quarantine']) });
  });

  it('release removes only its tag and keeps a tag someone added meanwhile', async () => {
    bed = startTestbed();
    const q = await bed.connector.quarantine(TARGET, GCP_SIM_INSTANCE);
    bed.sim.controls.setHostTags(GCP_SIM_INSTANCE, ['portcullis-quarantine', 'https-server', 'http-server', 'incident-42']);
    await bed.connector.release(TARGET, GCP_SIM_INSTANCE, q.previous);
    expect(bed.sim.controls.hostState(GCP_SIM_INSTANCE)).toMatchObject({ tags: ['https-server', 'http-server', 'incident-42'] });
  });

  it('repairs a quarantine rule someone changed', async () => {
    bed = startTestbed();
    await bed.connector.quarantine(TARGET, 'db-1');
    await bed.sim.controls.deleteOutOfBand('default', 'portcullis-quarantine-in4-default');
    const q = await bed.connector.quarantine(TARGET, 'db-1');
    expect(q.ok).toBe(true);
    expect(quarantineRules()).toHaveLength(4);
    // db-1 had no tags: previous is empty, and release leaves it with none.
    expect(q.previous).toMatchObject({ tags: [] });
    await bed.connector.release(TARGET, 'db-1', q.previous);
    expect(bed.sim.controls.hostState('db-1')).toEqual({ zone: 'us-central1-a', tags: [] });
  });

  it('quarantine rules are not reported as owned (the reconciler must not delete them)', async () => {
    bed = startTestbed();
    await bed.connector.quarantine(TARGET, GCP_SIM_INSTANCE);
    const listed = (await bed.connector.list(TARGET)).filter((r) => r.cloudId?.startsWith('portcullis-quarantine-'));
    expect(listed).toHaveLength(4);
    expect(listed.every((r) => !r.owned)).toBe(true);
  });

  it('refuses without a zone, for unknown hosts and for hosts on another network', async () => {
    bed = startTestbed();
    expect(await bed.connector.quarantine(IPV4_TARGET, GCP_SIM_INSTANCE)).toMatchObject({ ok: false, error: { kind: 'validation' } });
    expect(await bed.connector.quarantine(TARGET, 'no-such-vm')).toMatchObject({ ok: false, error: { kind: 'not_found' } });
    expect(await bed.connector.quarantine(TARGET, 'Bad_Name')).toMatchObject({ ok: false, error: { kind: 'validation' }, calls: [] });
    expect(await bed.connector.release(TARGET, GCP_SIM_INSTANCE, { nonsense: true })).toMatchObject({ ok: false, error: { kind: 'validation' } });
    expect(bed.sim.controls.writeCalls()).toBe(0);
  });
});

describe('check', () => {
  it('passes when the network, firewall listing and zone are reachable', async () => {
    bed = startTestbed();
    const result = await bed.connector.check(TARGET);
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => c.name)).toEqual([
      'network default exists (compute.networks.get)',
      'firewall rules can be listed (compute.firewalls.list)',
      'quarantine zone us-central1-a exists (compute.zones.get)',
    ]);
  });

  it('fails with the cloud error when the network does not exist', async () => {
    bed = startTestbed({ config: { targets: [{ id: 'gone', network: 'no-such-net', priorityBand: { from: 1, to: 2 } }] } });
    const result = await bed.connector.check('gone');
    expect(result.ok).toBe(false);
    expect(result.checks[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/^notFound: The resource/) });
  });
});

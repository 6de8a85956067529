/**
 * Issue 9, items 20 and 21 (GCP): Google's documented 5,000 ranges per rule is the default, a 413
 * fieldSizeTooLarge is a capacity error, and the simulator answers as compute does where it used to differ
 * (missing network: 404 on the insert; bare network name: 400; FIREWALLS quota: reason quotaExceeded).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GCP_MAX_RANGES_PER_RULE, gcpFirewallConfigSchema } from './config.ts';
import { createGcpSimulator } from './simulator/index.ts';
import { GCP_SIM_PROJECT } from './simulator/seed.ts';
import { denyRule } from './test-rules.ts';
import { TARGET, type Testbed, startTestbed } from './testbed.ts';

let bed: Testbed | undefined;
afterEach(() => {
  bed?.close();
  bed = undefined;
});

/** `count` distinct /32s from 100.64.0.0 up (documentation-free but valid public-looking test space). */
const ranges = (count: number) => Array.from({ length: count }, (_, i) => `11.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`);
const requests = () => bed?.sim.controls.requests() ?? [];

describe('item 20: 5,000 ranges per rule by default', () => {
  it('defaults maxSourceRangesPerRule to 5,000 and reports it in limits()', () => {
    const config = gcpFirewallConfigSchema.parse({
      project: GCP_SIM_PROJECT,
      credentials: { source: 'simulator' },
      targets: [{ id: 't', network: 'default', priorityBand: { from: 1000, to: 1999 } }],
    });
    expect(GCP_MAX_RANGES_PER_RULE).toBe(5000);
    expect(config.targets[0]?.maxSourceRangesPerRule).toBe(5000);
    bed = startTestbed();
    expect(bed.connector.limits(TARGET, 'firewall').maxPrefixesPerRule).toBe(5000);
  });

  it('one rule holds 5,000 ranges: one insert (one FIREWALLS quota unit) instead of twenty', async () => {
    bed = startTestbed();
    const [result] = await bed.connector.apply(TARGET, [{ op: 'create', rule: denyRule({ cidrs: ranges(5000) }) }]);
    expect(result?.ok, JSON.stringify(result?.error)).toBe(true);
    expect(requests().filter((r) => r.operation === 'firewalls.insert')).toHaveLength(1);
    const stored = bed.sim.controls.firewall(result?.cloudId ?? '');
    expect(stored?.sourceRanges).toHaveLength(5000);
  });

  it('413 fieldSizeTooLarge (more ranges than the cloud takes) is a capacity error, not retried', async () => {
    bed = startTestbed({ sim: { quotas: { sourceRangesPerRule: 3 } } });
    const [result] = await bed.connector.apply(TARGET, [{ op: 'create', rule: denyRule({ cidrs: ranges(4) }) }]);
    expect(result).toMatchObject({ ok: false, error: { kind: 'capacity', code: 'fieldSizeTooLarge', status: 413, retryable: false } });
    expect(result?.error?.message).toBe("Value for field 'resource.sourceRanges' is too large: maximum size 3 element(s); actual size 4.");
    expect(result?.calls[0]?.attempts).toHaveLength(1);
  });
});

describe('item 21: the simulator as compute answers', () => {
  const BASE = `https://compute.googleapis.com/compute/v1/projects/${GCP_SIM_PROJECT}`;
  const insert = (sim: ReturnType<typeof createGcpSimulator>, network: string, name = 'r1') =>
    sim.fetch(
      new Request(`${BASE}/global/firewalls`, {
        method: 'POST',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        body: JSON.stringify({ name, network, direction: 'INGRESS', priority: 1000, denied: [{ IPProtocol: 'all' }], sourceRanges: ['203.0.113.0/24'] }),
      }),
    );
  const reasonOf = async (res: Response) => ((await res.json()) as { error: { errors: { reason: string }[]; message: string } }).error;

  it('an insert naming a missing network is an immediate 404 notFound (no operation)', async () => {
    const sim = createGcpSimulator();
    const res = await insert(sim, `projects/${GCP_SIM_PROJECT}/global/networks/missing`);
    expect(res.status).toBe(404);
    const error = await reasonOf(res);
    expect(error.errors[0]?.reason).toBe('notFound');
    expect(error.message).toBe(`The resource 'projects/${GCP_SIM_PROJECT}/global/networks/missing' was not found`);
  });

  it('a bare network name is 400 "The URL is malformed."; partial and full URLs are accepted', async () => {
    const sim = createGcpSimulator();
    const bare = await insert(sim, 'default');
    expect(bare.status).toBe(400);
    expect((await reasonOf(bare)).message).toBe("Invalid value for field 'resource.network': 'default'. The URL is malformed.");
    expect((await insert(sim, 'global/networks/default', 'r2')).status).toBe(200);
    expect((await insert(sim, `https://www.googleapis.com/compute/v1/projects/${GCP_SIM_PROJECT}/global/networks/default`, 'r3')).status).toBe(200);
  });

  it('the FIREWALLS quota answers 403 with reason quotaExceeded, which the connector reports as quota', async () => {
    bed = startTestbed({ sim: { quotas: { firewalls: 2 } } });
    const [result] = await bed.connector.apply(TARGET, [{ op: 'create', rule: denyRule() }]);
    expect(result).toMatchObject({ ok: false, error: { kind: 'quota', code: 'quotaExceeded', status: 403, retryable: false } });
  });

  it('the connector on a target whose network is missing gets not_found at once', async () => {
    bed = startTestbed({ config: { targets: [{ id: 'gone', network: 'no-such-net', priorityBand: { from: 100, to: 199 } }] } });
    const [result] = await bed.connector.apply('gone', [{ op: 'create', rule: denyRule({ priority: 100 }) }]);
    expect(result).toMatchObject({ ok: false, error: { kind: 'not_found', code: 'notFound', status: 404 } });
    expect(requests().some((r) => r.operation?.includes('Operations'))).toBe(false);
  });
});

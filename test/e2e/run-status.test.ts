import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type E2E, type RunBody, startE2E, withoutPlacementChains } from '../support/e2e.ts';

let e: E2E;
beforeEach(async () => {
  // The AWS target as its network ACL alone (the sandbox's chain would overflow these blocks onto WAF).
  e = await startE2E({ config: withoutPlacementChains });
});
afterEach(async () => {
  await e.close();
});

const v4 = (n: number) => `203.0.113.${2 * n + 1}`;
const getRun = async (id: string) => (await (await e.call('GET', `/v1/runs/${id}`)).json()) as RunBody & { created_at: string; updated_at: string };

describe("a run's status follows its intents to the end", () => {
  it('a block refused for capacity becomes applied once an unblock frees room, with updated_at moving', async () => {
    // 18 IPv4 ingress entries fill the seed ACL (20 per direction and family, minus the default rule and an allow-all).
    await e.run('block-ip', { indicators: Array.from({ length: 18 }, (_, i) => v4(i)), direction: 'ingress' });
    e.clock.advance(1_000);
    const refused = await e.run('block-ip', { indicators: v4(40), direction: 'ingress' });
    const first = await getRun(refused.run.id);
    expect(first.targets.find((t) => t.connector === 'aws-sandbox')?.state).toBe('failed');
    expect(first.status).toBe('partially_applied');
    // The run settled after it was accepted: its updated_at says when.
    expect(first.updated_at).toBe(first.created_at);

    e.clock.advance(60_000);
    await e.run('unblock-ip', { indicators: v4(0), direction: 'ingress' });
    const later = await getRun(refused.run.id);
    expect(later.targets.find((t) => t.connector === 'aws-sandbox')).toMatchObject({ state: 'applied', errors: [] });
    expect(later.status).toBe('applied');
    expect(Date.parse(later.updated_at)).toBe(Date.parse(first.created_at) + 60_000);
  });

  it('an unblock leaves the block run it undid as it ended (applied, updated_at unchanged)', async () => {
    const block = await e.run('block-ip', { indicators: v4(1) });
    expect(block.run.status).toBe('applied');
    const settled = await getRun(block.run.id);
    e.clock.advance(5_000);
    const unblock = await e.run('unblock-ip', { indicators: v4(1) });
    expect(unblock.run.status).toBe('applied');
    const after = await getRun(block.run.id);
    expect(after.status).toBe('applied');
    expect(after.updated_at).toBe(settled.updated_at);
    // The unblock run itself settled 5 s after the block.
    expect(Date.parse((await getRun(unblock.run.id)).updated_at)).toBe(Date.parse(settled.updated_at) + 5_000);
  });
});

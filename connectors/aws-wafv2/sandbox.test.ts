import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { type RunningSimulators, startSimulators } from '../../src/sandbox/simulators.ts';
import { awsWafv2 } from './index.ts';
import { WAF_SIM_WEB_ACL } from './simulator/seed.ts';
import { blockRule, testContext } from './testbed.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';

/** The sandbox path: the simulator served on 127.0.0.1 (real HTTP, no msw) and the SDK's endpoint pointed at it. */
let running: RunningSimulators;
beforeAll(async () => {
  const config = { connectors: [{ id: 'aws-waf', type: 'aws-wafv2', simulator: true }] } as unknown as Config;
  running = await startSimulators(config, { 'aws-wafv2': awsWafv2 as never });
});
afterAll(async () => running.close());

describe('aws-wafv2 on the sandbox simulator over loopback', () => {
  it('blocks and lists through the real SDK with credentials { source: simulator } and the loopback endpoint', async () => {
    const endpoint = running.endpoints.get('aws-waf');
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const config = awsWafv2.configSchema.parse({
      region: 'us-east-1',
      endpoint,
      credentials: { source: 'simulator' },
      targets: [{ id: 'edge', webAcl: WAF_SIM_WEB_ACL, rulePriority: 0 }],
    });
    const connector = awsWafv2.create('aws-waf', config, testContext(new FakeClock()));
    expect((await connector.check('edge')).ok).toBe(true);
    const [created] = await connector.apply('edge', [{ op: 'create', rule: blockRule(['203.0.113.7/32', '203.0.113.9/32']) }]);
    expect(created?.error).toBeUndefined();
    expect((await connector.list('edge')).filter((r) => r.owned).map((r) => r.cidrs)).toEqual([['203.0.113.7/32', '203.0.113.9/32']]);
  });
});

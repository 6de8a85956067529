import { setupServer } from 'msw/node';
import { type ConnectorContext, defaultRetryOptions, type NormalizedRule } from '../../src/connectors/types.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { type AwsWafv2Config, awsWafv2ConfigSchema, type WafTarget } from './config.ts';
import { createWafConnector } from './connector.ts';
import { createWafSimulator, type WafSimulator, type WafSimulatorOptions } from './simulator/index.ts';
import { mswHandlers } from './simulator/msw.ts';
import { WAF_SIM_WEB_ACL } from './simulator/seed.ts';

export const TARGET = 'edge';
export const CONNECTOR_ID = 'aws-waf';

export function testConfig(target: Partial<WafTarget> = {}): AwsWafv2Config {
  return awsWafv2ConfigSchema.parse({
    region: 'us-east-1',
    credentials: { source: 'simulator' },
    targets: [{ id: TARGET, webAcl: WAF_SIM_WEB_ACL, rulePriority: 0, ...target }],
  });
}

export function testContext(clock: FakeClock, warnings: object[] = []): ConnectorContext {
  return {
    clock,
    log: { info: () => {}, warn: (obj) => warnings.push(obj) },
    retry: defaultRetryOptions,
    resolveSecret: () => {
      throw new Error('the simulator needs no secrets');
    },
  };
}

/** A WAF simulator behind msw (unhandled requests are errors) and a connector on one fake clock. */
export function startTestbed(options: { target?: Partial<WafTarget>; sim?: Omit<WafSimulatorOptions, 'clock'> } = {}) {
  const clock = new FakeClock();
  const sim: WafSimulator = createWafSimulator({ ...options.sim, clock });
  const server = setupServer(...mswHandlers(sim));
  server.listen({ onUnhandledFrame: 'error' });
  const warnings: object[] = [];
  const connector = createWafConnector(CONNECTOR_ID, testConfig(options.target), testContext(clock, warnings));
  let closed = false;
  return {
    clock,
    sim,
    connector,
    warnings,
    close: () => {
      if (!closed) server.close();
      closed = true;
    },
  };
}

/** A block as the reconciler asks for it: a deny of source addresses in IP set slot `priority`. */
export const blockRule = (cidrs: string[], priority = 1, extra: Partial<NormalizedRule> = {}): NormalizedRule => ({
  direction: 'ingress',
  action: 'deny',
  protocol: 'all',
  ports: [],
  cidrs,
  priority,
  placement: 'wafv2',
  owned: true,
  ...extra,
});

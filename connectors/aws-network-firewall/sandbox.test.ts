import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConnectorRegistry } from '../index.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { buildConnectors } from '../../src/connectors/build.ts';
import { type RunningSimulators, startSimulators } from '../../src/sandbox/simulators.ts';
import { NFW_SIM_POLICY, NFW_SIM_RULE_GROUP } from './simulator/seed.ts';

/**
 * The sandbox path `npm start` takes: a `simulator: true` block gets its simulator served on loopback
 * and the SDK endpoint pointed at it; real HTTP, no msw.
 */
const CONFIG = `
clients:
  - { id: demo, scopes: [block], secrets: [{ sandboxValue: whsec_c2FuZGJveC1kZW1vLXNlY3JldC1ub3QtZm9yLXByb2R1Y3Rpb24= }] }
connectors:
  - id: nfw-sandbox
    type: aws-network-firewall
    simulator: true
    region: us-east-1
    credentials: { source: simulator }
    targets:
      - { id: edge, ruleGroup: ${NFW_SIM_RULE_GROUP}, firewallPolicy: ${NFW_SIM_POLICY} }
`;

let running: RunningSimulators;
let connectors: ReturnType<typeof buildConnectors>['connectors'];
beforeAll(async () => {
  const config = parseConfig(CONFIG, 'sandbox.yaml');
  const registry = await loadConnectorRegistry(['aws-network-firewall']);
  running = await startSimulators(config, registry);
  const log = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {}, child: () => log };
  ({ connectors } = buildConnectors(config, registry, { clock: { now: () => Date.now(), sleep: async () => {} }, log, secrets: { env: () => undefined }, endpoints: running.endpoints }));
});
afterAll(() => running?.close());

describe('sandbox simulator on loopback', () => {
  it('serves the connector over plain http on 127.0.0.1: check passes, a block is written and listed', async () => {
    expect(running.endpoints.get('nfw-sandbox')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const connector = connectors.get('nfw-sandbox');
    if (!connector) throw new Error('connector not built');
    expect((await connector.check('edge')).ok).toBe(true);
    const [result] = await connector.apply('edge', [
      { op: 'create', rule: { direction: 'ingress', action: 'deny', protocol: 'all', ports: [], cidrs: ['203.0.113.7/32'], priority: 100, placement: 'nfw', owned: true } },
    ]);
    expect(result?.ok).toBe(true);
    expect((await connector.list('edge')).filter((r) => r.owned).map((r) => [r.cidrs, r.cloudId])).toEqual([[['203.0.113.7/32'], 'priority:100']]);
  });
});

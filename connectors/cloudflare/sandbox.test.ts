import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConnectorRegistry } from '../index.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { checkConfigRules } from '../../src/config/rules.ts';
import { buildConnectors } from '../../src/connectors/build.ts';
import type { Connector } from '../../src/connectors/types.ts';
import { realClock } from '../../src/connectors/simulator-faults.ts';
import { type RunningSimulators, startSimulators } from '../../src/sandbox/simulators.ts';
import type { CloudflareSimulator } from './simulator/index.ts';
import { CF_SIM_ACCOUNT, CF_SIM_LIST, CF_SIM_ZONE } from './simulator/seed.ts';

/**
 * The sandbox path, as `npm start` takes it: a `simulator: true` Cloudflare connector is served on
 * 127.0.0.1 (a real port, no msw) and the connector's endpoint points there over plain http.
 */
const CONFIG = `
sandbox: true
clients:
  - id: demo
    scopes: [block]
    secrets: [{ sandboxValue: whsec_c2FuZGJveC1kZW1vLXNlY3JldC1ub3QtZm9yLXByb2R1Y3Rpb24= }]
connectors:
  - id: cf-sandbox
    type: cloudflare
    simulator: true
    accountId: ${CF_SIM_ACCOUNT}
    credentials: { source: simulator }
    pollIntervalMs: 10
    targets:
      - { id: edge, zoneId: ${CF_SIM_ZONE}, listName: ${CF_SIM_LIST} }
`;

let running: RunningSimulators;
let connector: Connector;
beforeAll(async () => {
  const config = parseConfig(CONFIG, 'sandbox.yaml');
  const registry = await loadConnectorRegistry(['cloudflare']);
  checkConfigRules(config, 'sandbox.yaml', registry);
  running = await startSimulators(config, registry);
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const built = buildConnectors(config, registry, { clock: realClock, log, secrets: { env: () => undefined }, endpoints: running.endpoints });
  connector = built.connectors.get('cf-sandbox') as Connector;
});
afterAll(async () => {
  await running?.close();
});

describe('the Cloudflare simulator in the sandbox', () => {
  it('is served on loopback and the connector checks, blocks and lists through it', async () => {
    expect(running.endpoints.get('cf-sandbox')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await connector.check('edge')).ok).toBe(true);
    const [result] = await connector.apply('edge', [
      { op: 'create', rule: { direction: 'ingress', action: 'deny', protocol: 'all', ports: [], cidrs: ['203.0.113.7/32', '2001:db8:7::/64'], priority: 0, placement: 'cf-list', owned: true } },
    ]);
    expect(result?.error).toBeUndefined();
    expect((await connector.list('edge')).filter((r) => r.owned).flatMap((r) => r.cidrs)).toEqual(['203.0.113.7/32', '2001:db8:7::/64']);
    const sim = running.simulators.get('cf-sandbox') as CloudflareSimulator;
    expect(sim.controls.listItems(CF_SIM_LIST)).toEqual(['203.0.113.7', '2001:db8:7::/64']);
  });

  it('refuses a simulator token on a non-loopback endpoint and a real token over http', async () => {
    const registry = await loadConnectorRegistry(['cloudflare']);
    const schema = registry.cloudflare?.configSchema;
    const base = { accountId: CF_SIM_ACCOUNT, targets: [{ id: 'edge', zoneId: CF_SIM_ZONE, listName: CF_SIM_LIST }] };
    const problems = (extra: Record<string, unknown>) => {
      const parsed = schema?.safeParse({ ...base, ...extra });
      return parsed?.success ? [] : (parsed?.error.issues.map((i) => i.message) ?? []);
    };
    expect(problems({ credentials: { apiToken: { env: 'CF' } }, endpoint: 'http://127.0.0.1:8787' }).join()).toMatch(/http:\/\/ endpoint is only allowed on loopback with credentials \{ source: simulator \}/);
    expect(problems({ credentials: { source: 'simulator' }, endpoint: 'https://api.cloudflare.com' }).join()).toMatch(/need a loopback endpoint/);
    expect(problems({ credentials: { apiToken: { env: 'CF' } } })).toEqual([]);
    expect(problems({ credentials: { apiToken: 'inline-token' } }).join()).toMatch(/credentials must be \{ apiToken/);
    expect(problems({ credentials: { source: 'simulator' }, targets: [{ id: 'edge', zoneId: CF_SIM_ZONE, listName: 'Bad-Name' }] }).join()).toMatch(/lower-case letters, digits and _/);
  });
});

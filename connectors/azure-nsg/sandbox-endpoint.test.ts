import { http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRetryOptions } from '../../src/connectors/types.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { azureNsg } from './index.ts';
import { SIM_NSG_NAME, SIM_RESOURCE_GROUP, SIM_SUBSCRIPTION_ID } from './simulator/seed.ts';

/** The sandbox serves the simulator on plain http; the SDK's bearer policy would refuse that URL. */
const ORIGIN = 'http://127.0.0.1:18443';
const clock = new FakeClock();
const sim = azureNsg.createSimulator({ clock });
const seen: string[] = [];
const server = setupServer(
  http.all(`${ORIGIN}/*`, ({ request }) => {
    seen.push(request.headers.get('authorization') ?? '');
    return sim.fetch(request);
  }),
);
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterAll(() => server.close());

describe('sandbox endpoint over http://127.0.0.1', () => {
  it('works with credentials { source: simulator } (static token policy, insecure connection allowed)', async () => {
    const config = azureNsg.configSchema.parse({
      subscriptionId: SIM_SUBSCRIPTION_ID,
      endpoint: ORIGIN,
      credentials: { source: 'simulator' },
      targets: [{ id: 't', resourceGroup: SIM_RESOURCE_GROUP, nsgName: SIM_NSG_NAME, priorityBand: { from: 100, to: 199 } }],
    });
    const connector = azureNsg.create('sandbox', config, {
      clock,
      log: { info: () => undefined, warn: () => undefined },
      retry: defaultRetryOptions,
      resolveSecret: () => '',
    });
    const [result] = await connector.apply('t', [
      { op: 'create', rule: { direction: 'ingress', action: 'deny', protocol: 'all', ports: [], cidrs: ['203.0.113.7/32'], priority: 110, placement: 'nsg', owned: true } },
    ]);
    expect(result?.ok).toBe(true);
    expect((await connector.list('t')).map((r) => r.cloudId)).toEqual(['portcullis-in-110']);
    expect(new Set(seen)).toEqual(new Set(['Bearer portcullis-simulator-token']));
  });
});

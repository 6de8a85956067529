/**
 * A Worker that runs the Cloudflare connector itself (bundled by workerd.test.ts, run in workerd
 * without nodejs_compat): check, block two addresses, list, unblock one. Its outbound fetch is
 * answered by the simulator in the test process.
 */
import { defaultRetryOptions, type NormalizedRule } from '../../../src/connectors/types.ts';
import { cloudflare } from '../index.ts';
import { CF_SIM_ACCOUNT, CF_SIM_LIST, CF_SIM_ZONE } from '../simulator/seed.ts';

export default {
  async fetch(_request: Request, env: { CF_TOKEN: string }): Promise<Response> {
    const config = cloudflare.configSchema.parse({
      accountId: CF_SIM_ACCOUNT,
      credentials: { apiToken: { env: 'CF_TOKEN' } },
      pollIntervalMs: 10,
      targets: [{ id: 'edge', zoneId: CF_SIM_ZONE, listName: CF_SIM_LIST }],
    });
    const connector = cloudflare.create('cf-worker', config, {
      clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
      log: { info: () => undefined, warn: () => undefined },
      retry: defaultRetryOptions,
      resolveSecret: (ref) => ('env' in ref && ref.env === 'CF_TOKEN' ? env.CF_TOKEN : ''),
    });
    const check = await connector.check('edge');
    const rule: Omit<NormalizedRule, 'cidrs'> = { direction: 'ingress', action: 'deny', protocol: 'all', ports: [], priority: 0, placement: 'cf-list', owned: true };
    const created = await connector.apply('edge', [{ op: 'create', rule: { ...rule, cidrs: ['203.0.113.7/32', '2001:db8:7::/64'] } }]);
    const [listed] = (await connector.list('edge')).filter((r) => r.owned);
    const shrunk = listed ? await connector.apply('edge', [{ op: 'update', before: listed, rule: { ...rule, cidrs: ['203.0.113.7/32'] } }]) : [];
    const after = (await connector.list('edge')).filter((r) => r.owned).flatMap((r) => r.cidrs);
    return Response.json({ check: check.ok, created: created.map((r) => r.ok), listed: listed?.cidrs, shrunk: shrunk.map((r) => r.ok), after });
  },
};

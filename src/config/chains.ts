import type { Config } from './schema.ts';

type Block = Config['connectors'][number];

/**
 * Where a connector's targets live, for the placement-chain rule "one account and region": the cloud,
 * the region (AWS), and the account when the config names one (AWS `accountId`, Cloudflare `accountId`,
 * Azure `subscriptionId`, GCP `project`). Undefined parts are not compared.
 */
export function connectorLocation(block: Block): { cloud: string; region?: string; account?: string } {
  const text = (key: string) => (typeof block[key] === 'string' ? (block[key] as string) : undefined);
  const cloud = block.type.startsWith('aws-') ? 'aws' : block.type === 'azure-nsg' ? 'azure' : block.type === 'gcp-firewall' ? 'gcp' : 'cloudflare';
  const account = text('accountId') ?? text('subscriptionId') ?? text('project');
  const region = text('region');
  return { cloud, ...(region ? { region } : {}), ...(account ? { account } : {}) };
}

function describeLocation(l: ReturnType<typeof connectorLocation>): string {
  return [l.cloud, l.account ? `account ${l.account}` : '', l.region ? `region ${l.region}` : ''].filter(Boolean).join(' ');
}

const targetIds = (block: Block): string[] =>
  Array.isArray(block.targets) ? (block.targets as { id?: unknown }[]).flatMap((t) => (typeof t?.id === 'string' ? [t.id] : [])) : [];

/**
 * The cross-key rules of `placementChains`: unique chain ids; every point names a configured connector
 * and one of its targets; no point twice in a chain or in two chains (a target is reconciled by one
 * chain pass); every point in the first point's cloud, account and region (a message naming both).
 * O(points + connectors).
 */
export function checkPlacementChains(config: Config, add: (path: (string | number)[], message: string) => void): void {
  const blocks = new Map(config.connectors.map((c) => [c.id, c]));
  const chainOf = new Map<string, string>();
  const ids = new Set<string>();
  config.placementChains.forEach((chain, i) => {
    if (ids.has(chain.id)) add(['placementChains', i, 'id'], `duplicate placement chain id ${chain.id}`);
    ids.add(chain.id);
    let first: { point: string; location: ReturnType<typeof connectorLocation> } | undefined;
    chain.points.forEach((point, k) => {
      const path = ['placementChains', i, 'points', k];
      const [connectorId = '', targetId = ''] = point.split('/');
      const block = blocks.get(connectorId);
      if (!block) {
        add(path, `unknown point ${point}: no connector "${connectorId}" in connectors (have: ${[...blocks.keys()].join(', ') || 'none'})`);
        return;
      }
      const targets = targetIds(block);
      if (!targets.includes(targetId)) {
        add(path, `unknown point ${point}: connector "${connectorId}" has no target "${targetId}" (have: ${targets.join(', ') || 'none'})`);
        return;
      }
      const other = chainOf.get(point);
      if (other !== undefined) {
        add(path, other === chain.id ? `point ${point} is named twice in this chain` : `point ${point} is already in placement chain ${other}; a target belongs to one chain`);
        return;
      }
      chainOf.set(point, chain.id);
      const location = connectorLocation(block);
      if (!first) {
        first = { point, location };
        return;
      }
      const a = first.location;
      const differs =
        a.cloud !== location.cloud ||
        (a.region !== undefined && location.region !== undefined && a.region !== location.region) ||
        (a.account !== undefined && location.account !== undefined && a.account !== location.account);
      if (differs) {
        add(
          path,
          `point ${point} is in ${describeLocation(location)}, but ${first.point} (the chain's first point) is in ${describeLocation(a)}: a chain's points must share one account and region`,
        );
      }
    });
  });
}

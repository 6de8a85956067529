import { ConfigError } from '../config/parse.ts';
import type { PlacementChainConfig } from '../config/schema.ts';
import type { Playbook } from '../playbooks/schema.ts';
import type { Intent } from '../runs/types.ts';

/** One enforcement point of a chain: a connector's target. `key` is `<connector>/<target>`. */
export interface ChainPoint {
  connectorId: string;
  targetId: string;
  key: string;
}

export interface PlacementChain {
  id: string;
  mode: 'overflow' | 'all';
  /** In order; the first is the head: the target playbooks name and whose intents the chain places. */
  points: ChainPoint[];
  playbooksOnly?: string[];
}

const pointOf = (key: string): ChainPoint => {
  const [connectorId = '', targetId = ''] = key.split('/');
  return { connectorId, targetId, key };
};

/** Where a chained block holds, kept in the intent's `cloud` field: the points, in chain order. */
export interface ChainPlacement {
  chain: string;
  points: string[];
  /** Each point's position in the chain (views list points in chain order). */
  index: number[];
}

/** The points a chained intent held after its last pass (an intent applied before it was chained: its head). */
export function placementOf(intent: Intent, head: string): string[] {
  const cloud = intent.cloud as Partial<ChainPlacement> | undefined | null;
  if (cloud && Array.isArray(cloud.points)) return cloud.points;
  return intent.state === 'applied' ? [head] : [];
}

/**
 * The configured placement chains, resolved (config checks in src/config/chains.ts guarantee every point
 * exists and belongs to one chain). Lookups are O(1).
 */
export class PlacementChains {
  private readonly chains = new Map<string, PlacementChain>();
  private readonly byPoint = new Map<string, PlacementChain>();

  constructor(configs: readonly PlacementChainConfig[]) {
    for (const c of configs) {
      const chain: PlacementChain = { id: c.id, mode: c.mode, points: c.points.map(pointOf), ...(c.playbooksOnly ? { playbooksOnly: c.playbooksOnly } : {}) };
      this.chains.set(c.id, chain);
      for (const p of chain.points) this.byPoint.set(p.key, chain);
    }
  }

  get size(): number {
    return this.chains.size;
  }

  all(): PlacementChain[] {
    return [...this.chains.values()];
  }

  /** The chain a target is a point of, if any. */
  ofPoint(connectorId: string, targetId: string): PlacementChain | undefined {
    return this.byPoint.get(`${connectorId}/${targetId}`);
  }

  /** The chain whose head the target is, if any. */
  headedBy(connectorId: string, targetId: string): PlacementChain | undefined {
    const chain = this.ofPoint(connectorId, targetId);
    return chain?.points[0]?.key === `${connectorId}/${targetId}` ? chain : undefined;
  }

  /**
   * The chain that places a block playbook's blocks on this target: the chain headed by the target, when
   * the playbook names it (`chain:`) or the chain is not limited to other playbooks (`playbooksOnly`).
   */
  forBlock(playbook: Pick<Playbook, 'name' | 'chain'>, connectorId: string, targetId: string): string | undefined {
    const chain = this.headedBy(connectorId, targetId);
    if (!chain) return undefined;
    if (playbook.chain === chain.id) return chain.id;
    if (playbook.chain !== undefined) return undefined;
    return !chain.playbooksOnly || chain.playbooksOnly.includes(playbook.name) ? chain.id : undefined;
  }

  /**
   * Start-up checks that need the playbooks: `playbooksOnly` names playbooks that exist; a playbook's
   * `chain:` names a chain whose head is among the playbook's targets.
   */
  checkPlaybooks(playbooks: Map<string, Playbook>, file: string, expand: (p: Playbook) => { connector: string; target: string }[]): void {
    const problems: { path: string; message: string }[] = [];
    for (const chain of this.chains.values()) {
      chain.playbooksOnly?.forEach((name, k) => {
        if (!playbooks.has(name)) {
          problems.push({ path: `placementChains.${chain.id}.playbooksOnly[${k}]`, message: `no playbook "${name}" (have: ${[...playbooks.keys()].join(', ')})` });
        }
      });
    }
    for (const playbook of playbooks.values()) {
      if (playbook.chain === undefined) continue;
      const chain = this.chains.get(playbook.chain);
      if (!chain) {
        problems.push({ path: `${playbook.name}: chain`, message: `no placement chain "${playbook.chain}" in the config (have: ${[...this.chains.keys()].join(', ') || 'none'})` });
        continue;
      }
      const head = chain.points[0]!;
      if (!expand(playbook).some((t) => t.connector === head.connectorId && t.target === head.targetId)) {
        problems.push({ path: `${playbook.name}: chain`, message: `chain ${chain.id} starts at ${head.key}, which is not a target of this playbook` });
      }
    }
    if (problems.length) throw new ConfigError(file, problems);
  }
}

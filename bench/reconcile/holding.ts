/**
 * What the clouds really hold, read back through the real connectors (not the server's word): for each
 * target, how many of the given addresses an owned ingress deny rule covers.
 */
import { connectorRegistry } from '../../connectors/all.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { buildConnectors } from '../../src/connectors/build.ts';
import type { Connector } from '../../src/connectors/types.ts';
import { contains } from '../../src/net/cidr.ts';
import { type Logger, systemClock } from '../../src/platform.ts';
import { CLOUDS, CONNECTOR, type Cloud } from './clouds.ts';

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** One connector per cloud, built from a bench config exactly as the server builds them. */
export function connectorsFor(configText: string): Record<Cloud, Connector> {
  const config = parseConfig(configText, 'bench.config.yaml');
  const { connectors } = buildConnectors(config, connectorRegistry, { clock: systemClock, log: quiet, secrets: { env: () => undefined } });
  const out = {} as Record<Cloud, Connector>;
  for (const cloud of CLOUDS) {
    const connector = connectors.get(CONNECTOR[cloud].id);
    if (!connector) throw new Error(`no connector ${CONNECTOR[cloud].id} in the bench config`);
    out[cloud] = connector;
  }
  return out;
}

export interface Holding {
  held: number;
  /** Owned deny rules on the target (entries, security rules, firewalls). */
  rules: number;
}

export async function holding(connector: Connector, addresses: string[]): Promise<Holding> {
  const rules = (await connector.list('edge')).filter((r) => r.owned && r.action === 'deny' && r.direction === 'ingress');
  const all = rules.flatMap((r) => r.cidrs);
  const exact = new Set(all);
  const wider = all.filter((c) => !c.endsWith('/32'));
  const held = addresses.filter((a) => exact.has(`${a}/32`) || wider.some((c) => contains(c, `${a}/32`))).length;
  return { held, rules: rules.length };
}

/**
 * The clouds block-ip names (AWS, Azure, GCP, the Cloudflare list), outside the server: the simulators are served by the TEST process on loopback, so
 * their state survives a killed server. The server's config names them as ordinary (`simulator: false`)
 * connectors with an `endpoint`; the test reads them back through the real connectors.
 */
import { serve } from '@hono/node-server';
import { awsEc2 } from '../../connectors/aws-ec2/index.ts';
import { azureNsg } from '../../connectors/azure-nsg/index.ts';
import { gcpFirewall } from '../../connectors/gcp-firewall/index.ts';
import { cloudflare } from '../../connectors/cloudflare/index.ts';
import type { Simulator, SimulatorOptions } from '../../src/connectors/simulator.ts';
import { type Connector, defaultRetryOptions } from '../../src/connectors/types.ts';
import { systemClock } from '../../src/platform.ts';
import { REPO_ROOT } from '../support/process.ts';

/** The shipped block-ip playbook's connectors (test/process/sandbox-config.ts BLOCK_IP_CONNECTORS checks they match). */
export const CLOUDS = ['aws-sandbox', 'azure-sandbox', 'gcp-sandbox', 'cloudflare-sandbox'] as const;
export type CloudId = (typeof CLOUDS)[number];

export interface Cloud {
  simulator: Simulator;
  endpoint: string;
  connector: Connector;
}

export interface Clouds {
  byId: Record<CloudId, Cloud>;
  /** Extra delay the test adds before every simulator request (on top of `latencyMs`), changeable at any time. */
  setExtraDelay(ms: number): void;
  writeCalls(): number;
  /** The CIDRs of every owned deny rule on a cloud's `edge` target, one entry per rule holding it. */
  ownedDenyCidrs(id: CloudId): Promise<string[]>;
  close(): Promise<void>;
}

/** The connector blocks (same ids and targets as portcullis.config.yaml), pointed at `endpoint`. */
function connectorBlock(id: CloudId, endpoint: string): Record<string, unknown> {
  const credentials = { source: 'simulator' };
  if (id === 'aws-sandbox') {
    const target = { id: 'edge', vpcId: 'vpc-0a1b2c3d4e5f60001', networkAclId: 'acl-0a1b2c3d4e5f60001', securityGroupId: 'sg-0a1b2c3d4e5f60001', ruleNumberBand: { from: 100, to: 199 } };
    return { region: 'us-east-1', endpoint, credentials, targets: [target] };
  }
  if (id === 'azure-sandbox') {
    const target = { id: 'edge', resourceGroup: 'rg-portcullis', nsgName: 'nsg-web', priorityBand: { from: 100, to: 999 } };
    return { subscriptionId: '00000000-0000-0000-0000-000000000000', endpoint, credentials, pollIntervalMs: 50, targets: [target] };
  }
  if (id === 'cloudflare-sandbox') {
    const target = { id: 'edge', zoneId: '9a7806061c88ada191ed06f989cc3dac', listName: 'portcullis_blocks' };
    return { accountId: '023e105f4ecef8ad9ca31a8372d0c353', endpoint, credentials, pollIntervalMs: 50, targets: [target] };
  }
  const target = { id: 'edge', network: 'default', priorityBand: { from: 1000, to: 1999 }, zone: 'us-central1-a' };
  return { project: 'portcullis-sandbox', endpoint, credentials, targets: [target] };
}

const TYPES = { 'aws-sandbox': 'aws-ec2', 'azure-sandbox': 'azure-nsg', 'gcp-sandbox': 'gcp-firewall', 'cloudflare-sandbox': 'cloudflare' } as const;

function createConnector(id: CloudId, endpoint: string): Connector {
  const block = connectorBlock(id, endpoint);
  const ctx = { clock: systemClock, log: { info: () => undefined, warn: () => undefined }, retry: defaultRetryOptions, resolveSecret: () => '' };
  if (id === 'aws-sandbox') return awsEc2.create(id, awsEc2.configSchema.parse(block), ctx);
  if (id === 'azure-sandbox') return azureNsg.create(id, azureNsg.configSchema.parse(block), ctx);
  if (id === 'cloudflare-sandbox') return cloudflare.create(id, cloudflare.configSchema.parse(block), ctx);
  return gcpFirewall.create(id, gcpFirewall.configSchema.parse(block), ctx);
}

export async function startClouds(options: SimulatorOptions = {}): Promise<Clouds> {
  let extraDelay = 0;
  const servers: ReturnType<typeof serve>[] = [];
  const simulators: Record<CloudId, Simulator> = {
    'aws-sandbox': awsEc2.createSimulator(options),
    'azure-sandbox': azureNsg.createSimulator(options),
    'gcp-sandbox': gcpFirewall.createSimulator(options),
    'cloudflare-sandbox': cloudflare.createSimulator(options),
  };
  const byId = {} as Record<CloudId, Cloud>;
  for (const id of CLOUDS) {
    const simulator = simulators[id];
    const fetchWithDelay = async (request: Request) => {
      if (extraDelay > 0) await new Promise((r) => setTimeout(r, extraDelay));
      return simulator.fetch(request);
    };
    const server = await new Promise<ReturnType<typeof serve>>((resolveServer, reject) => {
      const s = serve({ fetch: fetchWithDelay, hostname: '127.0.0.1', port: 0 }, () => resolveServer(s));
      s.once('error', reject);
    });
    servers.push(server);
    const address = server.address();
    const endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    byId[id] = { simulator, endpoint, connector: createConnector(id, endpoint) };
  }
  return {
    byId,
    setExtraDelay: (ms) => {
      extraDelay = ms;
    },
    writeCalls: () => CLOUDS.reduce((n, id) => n + byId[id].simulator.controls.writeCalls(), 0),
    async ownedDenyCidrs(id) {
      const rules = await byId[id].connector.list('edge');
      return rules.filter((r) => r.owned && r.action === 'deny').flatMap((r) => r.cidrs);
    },
    async close() {
      // A killed server can leave sockets open; close them so the listeners can shut.
      for (const s of servers) (s as { closeAllConnections?: () => void }).closeAllConnections?.();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

export const PROCESS_CLIENT = { id: 'soar', secretEnv: 'PROC_SOAR_SECRET', tokenEnv: 'PROC_SOAR_TOKEN' } as const;

/**
 * A server config for the clouds above: real (non-simulated) connectors with loopback endpoints, a
 * client whose secret and read token come from the environment, the repo's playbooks.
 */
export function cloudsConfig(clouds: Clouds, dataDir: string, port: number, extra = ''): string {
  const blocks = CLOUDS.map((id) => ({ id, type: TYPES[id], simulator: false, ...connectorBlock(id, clouds.byId[id].endpoint) }));
  return `sandbox: false
listen: { host: 127.0.0.1, port: ${port} }
dataDir: ${JSON.stringify(dataDir)}
playbooksDir: ${JSON.stringify(`${REPO_ROOT}/playbooks`)}
log: { level: info }
clients:
  - id: ${PROCESS_CLIENT.id}
    scopes: [block, allow, quarantine, runs:read, audit:read]
    secrets: [{ env: ${PROCESS_CLIENT.secretEnv} }]
    tokens: [{ env: ${PROCESS_CLIENT.tokenEnv} }]
tiers:
  web: { cidrs: [10.0.1.0/24] }
  api: { targets: [] }
connectors: ${JSON.stringify(blocks)}
${extra}`;
}

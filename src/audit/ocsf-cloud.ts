/** The OCSF `cloud` profile of each connector, from its config block (provider, region, account/project). */
import type { Config } from '../config/schema.ts';
import type { CloudContext, CloudLookup } from './ocsf.ts';

const PROVIDER: Record<Config['connectors'][number]['type'], CloudContext['provider']> = {
  'aws-ec2': 'AWS',
  'azure-nsg': 'Azure',
  'gcp-firewall': 'GCP',
  'aws-network-firewall': 'AWS',
  cloudflare: 'Cloudflare',
  'aws-wafv2': 'AWS',
};

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function cloudLookup(connectors: Config['connectors']): CloudLookup {
  const byId = new Map<string, CloudContext>();
  for (const block of connectors) {
    const raw = block as Record<string, unknown>;
    const region = text(raw.region) ?? text(raw.location);
    const account = text(raw.accountId) ?? text(raw.subscriptionId);
    const project = text(raw.project) ?? text(raw.projectId);
    byId.set(block.id, {
      provider: PROVIDER[block.type],
      ...(region ? { region } : {}),
      ...(account ? { account_uid: account } : {}),
      ...(project ? { project_uid: project } : {}),
    });
  }
  return (id) => byId.get(id);
}

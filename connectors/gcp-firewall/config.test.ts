import { describe, expect, it } from 'vitest';
import { defaultRetryOptions } from '../../src/connectors/types.ts';
import { gcpFirewallConfigSchema } from './config.ts';
import { gcpFirewall } from './index.ts';

const base = {
  project: 'my-project-123',
  credentials: { source: 'default' },
  targets: [{ id: 't1', network: 'default', priorityBand: { from: 1000, to: 1999 } }],
};

describe('gcp-firewall config', () => {
  it('fills defaults: name prefix, 5,000 ranges per rule (the limit Google documents), IPv6 on', () => {
    const config = gcpFirewallConfigSchema.parse(base);
    expect(config.namePrefix).toBe('portcullis-');
    expect(config.targets[0]).toMatchObject({ maxSourceRangesPerRule: 5000, ipv6: true, maxRulesPerDirection: 100 });
  });

  it('accepts the three credential forms', () => {
    for (const credentials of [{ source: 'default' }, { source: 'simulator' }, { keyFile: { env: 'GCP_SA_JSON' } }, { keyFile: { file: '/run/sa.json' } }]) {
      expect(gcpFirewallConfigSchema.safeParse({ ...base, credentials }).success).toBe(true);
    }
  });

  it('rejects inline keys, unknown keys and bad values with clear messages', () => {
    const inline = gcpFirewallConfigSchema.safeParse({ ...base, credentials: { keyFile: '{"private_key":"x"}' } });
    expect(inline.success).toBe(false);
    const unknown = gcpFirewallConfigSchema.safeParse({ ...base, region: 'us' });
    expect(unknown.success).toBe(false);
    const band = gcpFirewallConfigSchema.safeParse({
      ...base,
      targets: [{ id: 't1', network: 'default', priorityBand: { from: 2000, to: 1000 } }],
    });
    expect(band.error?.issues.map((i) => i.message)).toContain('priorityBand.from must not be greater than priorityBand.to');
    const outOfRange = gcpFirewallConfigSchema.safeParse({
      ...base,
      targets: [{ id: 't1', network: 'default', priorityBand: { from: 0, to: 70000 } }],
    });
    expect(outOfRange.error?.issues.map((i) => i.message)).toContain('GCP priorities end at 65535');
    const network = gcpFirewallConfigSchema.safeParse({
      ...base,
      targets: [{ id: 't1', network: 'Default_Net', priorityBand: { from: 0, to: 1 } }],
    });
    expect(network.error?.issues[0]?.message).toMatch(/network must match/);
    const prefix = gcpFirewallConfigSchema.safeParse({ ...base, namePrefix: 'Portcullis_' });
    expect(prefix.error?.issues[0]?.message).toMatch(/namePrefix/);
    const dup = gcpFirewallConfigSchema.safeParse({ ...base, targets: [...base.targets, ...base.targets] });
    expect(dup.error?.issues[0]?.message).toBe('target ids must be unique');
  });
});

describe('gcp-firewall credentials', () => {
  const ctx = (secret: string, seen: unknown[]) => ({
    clock: { now: () => 0, sleep: async () => {} },
    log: { info: () => {}, warn: () => {} },
    retry: defaultRetryOptions,
    resolveSecret: (ref: unknown) => {
      seen.push(ref);
      return secret;
    },
  });
  const config = gcpFirewallConfigSchema.parse({ ...base, credentials: { keyFile: { env: 'GCP_SA_JSON' } } });

  it('reads the key file through resolveSecret', () => {
    const seen: unknown[] = [];
    const key = JSON.stringify({ type: 'service_account', client_email: 'pc@p.iam.gserviceaccount.com', private_key: 'k' });
    gcpFirewall.create('g', config, ctx(key, seen));
    expect(seen).toEqual([{ env: 'GCP_SA_JSON' }]);
  });

  it('never puts the key text into an error', () => {
    const secret = 'not-json-SECRET-MATERIAL';
    expect(() => gcpFirewall.create('g', config, ctx(secret, []))).toThrow('the service-account key file is not valid JSON');
    try {
      gcpFirewall.create('g', config, ctx(secret, []));
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('SECRET');
    }
  });
});

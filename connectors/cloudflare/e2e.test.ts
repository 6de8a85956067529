import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CF_SIM_ACCOUNT, CF_SIM_LIST, CF_SIM_ZONE } from './index.ts';
import { type CloudflareSimulator, createCloudflareSimulator } from './simulator/index.ts';
import { type E2E, startE2E } from '../../test/support/e2e.ts';

/**
 * block-ip and unblock-ip end to end on the Cloudflare connector: signed call → intents → reconciler →
 * fetch → the Cloudflare simulator (through msw), then read back from the list and the API. The repo's
 * playbooks are copied with the Cloudflare target added beside the three clouds.
 */
const CONNECTOR = `  - id: cf-sandbox
    type: cloudflare
    simulator: false
    accountId: ${CF_SIM_ACCOUNT}
    credentials: { source: simulator }
    pollIntervalMs: 50
    targets:
      - id: edge
        zoneId: ${CF_SIM_ZONE}
        listName: ${CF_SIM_LIST}
`;

let e: E2E;
let playbooks: string;
let cf: CloudflareSimulator;
beforeEach(async () => {
  playbooks = mkdtempSync(join(tmpdir(), 'portcullis-cf-playbooks-'));
  cpSync('playbooks', playbooks, { recursive: true });
  for (const name of ['block-ip.yaml', 'unblock-ip.yaml']) {
    const file = join(playbooks, name);
    // This test's list replaces the sandbox's own (cloudflare-sandbox, left out beside a connector of the same type).
    const text = readFileSync(file, 'utf8').replace(/^ {2}- \{ connector: cloudflare-sandbox, .*\n/m, '');
    writeFileSync(file, text.replace(/^targets:\n/m, 'targets:\n  - { connector: cf-sandbox, target: "*" }\n'));
  }
  e = await startE2E({
    extra: {
      connectorsYaml: CONNECTOR,
      playbooksDir: playbooks,
      simulators: (options) => {
        cf = createCloudflareSimulator(options);
        return [cf];
      },
    },
  });
});
afterEach(async () => {
  await e.close();
  rmSync(playbooks, { recursive: true, force: true });
});

const sim = () => cf;
const items = () => sim().controls.listItems(CF_SIM_LIST);
const cfTarget = (run: { targets: { connector: string; state: string; errors: string[] }[] }) => run.targets.find((t) => t.connector === 'cf-sandbox');

describe('block-ip and unblock-ip on a Cloudflare list', () => {
  it('blocks addresses as list items (one item write for the burst), shows them in /v1/blocks, and unblocks them', async () => {
    const indicators = ['203.0.113.7', '203.0.113.9', '2001:db8:7::/64'];
    const { status, run } = await e.run('block-ip', { indicators, reason: 'c2 beacon', incident_id: 'INC-7' });
    expect(status).toBe(202);
    expect(run.status).toBe('applied');
    expect(cfTarget(run)).toMatchObject({ target: 'edge', state: 'applied' });
    expect(items()).toEqual(['203.0.113.7', '203.0.113.9', '2001:db8:7::/64']);
    expect(sim().controls.writeCalls()).toBe(1);

    const blocks = (await (await e.call('GET', '/v1/blocks')).json()) as { blocks: { cidr: string; targets: { connector: string; state: string }[] }[] };
    for (const cidr of ['203.0.113.7/32', '203.0.113.9/32', '2001:db8:7::/64']) {
      expect(blocks.blocks.find((b) => b.cidr === cidr)?.targets.find((t) => t.connector === 'cf-sandbox')?.state).toBe('applied');
    }
    // The cloud operation is audited with its Cloudflare calls (and no token anywhere).
    const events = (await e.services.store.auditAfter(0, 1000)).filter((a) => a.target === 'cf-sandbox/edge');
    const operation = events.find((a) => a.action === 'cloud.operation');
    expect(JSON.stringify(operation?.detail)).toMatch(/lists-create-list-items.*lists-get-bulk-operation-status/);
    expect(JSON.stringify(events) + e.logs.join('')).not.toContain('portcullis-simulator-token');

    const unblock = await e.run('unblock-ip', { indicators: ['203.0.113.7', '2001:db8:7::/64'] });
    expect(unblock.run.status).toBe('applied');
    expect(items()).toEqual(['203.0.113.9']);
    const last = await e.run('unblock-ip', { indicators: ['203.0.113.9'] });
    expect(last.run.status).toBe('applied');
    expect(items()).toEqual([]);
  });

  it('refuses what a list cannot hold on the Cloudflare target only, naming why, while the clouds apply it', async () => {
    const { run } = await e.run('block-ip', { indicators: ['2001:db8::7'], direction: 'both' });
    const cf = cfTarget(run);
    expect(cf?.state).toBe('failed');
    expect(cf?.errors.join('\n')).toMatch(/IPv6 prefixes \/4 to \/64 only, not \/128/);
    expect(cf?.errors.join('\n')).toMatch(/direction must be ingress/);
    for (const t of run.targets.filter((t) => t.connector !== 'cf-sandbox')) expect(t.state).toBe('applied');
    expect(items()).toEqual([]);
    expect(sim().controls.writeCalls()).toBe(0);
  });

  it('heals a list emptied out of band on the drift pass, and records it', async () => {
    await e.run('block-ip', { indicators: ['203.0.113.7', '203.0.113.9'] });
    const [owned] = ((await e.connectors.get('cf-sandbox')?.list('edge')) ?? []).filter((r) => r.owned);
    // Someone empties the list in the dashboard.
    await sim().controls.deleteOutOfBand('', owned?.cloudId ?? '');
    expect(items()).toEqual([]);
    await e.reconciler.healAll();
    expect(items()).toEqual(['203.0.113.7', '203.0.113.9']);
    const healed = (await e.services.store.auditAfter(0, 10_000)).filter((a) => a.action === 'drift.healed' && a.target === 'cf-sandbox/edge');
    expect(healed).toMatchObject([{ outcome: 'success', detail: { restored: 2, removed: 0 } }]);
  });

  it('POST /v1/connectors/cf-sandbox/check reports the list, its items and the enforcing rule, audited', async () => {
    const res = await e.call('POST', '/v1/connectors/cf-sandbox/check', { connector: 'cf-sandbox' }, { client: 'operator' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; targets: { target: string; ok: boolean; checks: { name: string; ok: boolean }[] }[] };
    expect(body.ok).toBe(true);
    expect(body.targets[0]?.checks.map((c) => c.name)).toEqual([
      'list $portcullis_blocks exists, is an IP list and is owned ("managed-by:portcullis" in its description) (lists-get-lists)',
      'list items can be read (lists-get-list-items)',
      'a block rule "ip.src in $portcullis_blocks" is enabled in the zone ruleset (getZoneEntrypointRuleset)',
      'item writes (Account Filter Lists Edit)',
    ]);
    expect(sim().controls.writeCalls()).toBe(0);
    const checked = (await e.services.store.auditAfter(0, 10_000)).filter((a) => a.action === 'connector.checked');
    expect(checked).toHaveLength(1);
  });

  it('analyses the target: owned blocks and a dashboard block of the same address, read-only', async () => {
    await e.run('block-ip', { indicators: ['203.0.113.7'] });
    await sim().controls.addForeignRule('2f2feab2026849078ba485f918791bdc', {
      direction: 'ingress',
      action: 'deny',
      protocol: 'all',
      ports: [],
      cidrs: ['203.0.113.7/32'],
      priority: 0,
      placement: 'cf-list',
      owned: false,
    });
    const res = await e.call('GET', '/v1/connectors/cf-sandbox/analysis?target=edge');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { findings: { kind: string; rules: { owned: boolean }[] }[] };
    // The two blocks of one address are a duplicate; nothing about the operator's rules is actionable for the service.
    expect(body.findings.map((f) => f.kind)).toContain('duplicate');
    expect(sim().controls.writeCalls()).toBe(1);
  });

  it('holds a burst of 1,000 blocks from one run with one item write (where a NACL refuses most)', async () => {
    const indicators = Array.from({ length: 1000 }, (_, i) => `198.18.${Math.floor(i / 125)}.${(i % 125) * 2 + 1}`);
    const { run } = await e.run('block-ip', { indicators });
    expect(cfTarget(run)?.state).toBe('applied');
    expect(items()).toHaveLength(1000);
    expect(sim().controls.writeCalls()).toBe(1);
  });
});

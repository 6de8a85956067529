import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BLOCK_IP_CONNECTORS, type E2E, playbookConnectors, startE2E } from '../support/e2e.ts';

/**
 * Every playbook, end to end through the HTTP API, on every simulated cloud: signed call → intents →
 * reconciler → real SDK → simulator, then read back from the cloud (connector.list) and the API.
 */
// block-ip's targets, as the shipped playbook names them (AWS, Azure, GCP and the Cloudflare list).
const TARGETS = BLOCK_IP_CONNECTORS.map((c) => `${c}/edge`);
// The network clouds, which also open access (allow-ingress's targets) and block egress.
const NETWORK_TARGETS = playbookConnectors('allow-ingress').map((c) => `${c}/edge`);

let e: E2E;
beforeEach(async () => {
  e = await startE2E();
});
afterEach(async () => {
  await e.close();
});

async function rulesOn(target: string) {
  const [connectorId, targetId] = target.split('/') as [string, string];
  return (await e.connectors.get(connectorId)?.list(targetId)) ?? [];
}
const owned = async (target: string) => (await rulesOn(target)).filter((r) => r.owned);
const denies = async (target: string) => (await owned(target)).filter((r) => r.action === 'deny').flatMap((r) => r.cidrs);
const allows = async (target: string) => (await owned(target)).filter((r) => r.action === 'allow');

describe('block-ip and unblock-ip', () => {
  it('blocks an address on every block-ip target, shows it in /v1/blocks, and unblocks it', async () => {
    expect(TARGETS).toEqual(expect.arrayContaining(['aws-sandbox/edge', 'azure-sandbox/edge', 'gcp-sandbox/edge', 'cloudflare-sandbox/edge']));
    const { status, run } = await e.run('block-ip', { indicators: '203.0.113.7', reason: 'c2 beacon', incident_id: 'INC-1' });
    expect(status).toBe(202);
    expect(run.status).toBe('applied');
    expect(run.targets.map((t) => `${t.connector}/${t.target}:${t.state}`)).toEqual(TARGETS.map((t) => `${t}:applied`));
    for (const target of TARGETS) expect(await denies(target)).toContain('203.0.113.7/32');
    // The planned change is in the audit log before the cloud call, and the call's result after it.
    const azureEvents = (await e.services.store.auditAfter(0, 1000)).filter((a) => a.target === 'azure-sandbox/edge').map((a) => a.action);
    expect(azureEvents).toEqual(['reconcile.planned', 'cloud.operation', 'reconcile.pass']);

    const blocks = (await (await e.call('GET', '/v1/blocks')).json()) as { blocks: { cidr: string; targets: { state: string }[]; expires_at: string }[] };
    expect(blocks.blocks).toHaveLength(1);
    expect(blocks.blocks[0]?.cidr).toBe('203.0.113.7/32');
    expect(blocks.blocks[0]?.targets.map((t) => t.state)).toEqual(TARGETS.map(() => 'applied'));
    expect(blocks.blocks[0]?.expires_at).toBe(new Date(e.clock.now() + 24 * 3_600_000).toISOString());

    const unblock = await e.run('unblock-ip', { indicators: ['203.0.113.7'] });
    expect(unblock.run.status).toBe('applied');
    for (const target of TARGETS) expect(await denies(target)).not.toContain('203.0.113.7/32');
    expect(((await (await e.call('GET', '/v1/blocks')).json()) as { blocks: unknown[] }).blocks).toEqual([]);
  });

  it('a client that may block cannot unblock: undo has its own scope', async () => {
    const block = await e.call('POST', '/v1/playbooks/block-ip/runs', { playbook: 'block-ip', inputs: { indicators: '203.0.113.8' } }, { client: 'detector' });
    expect(block.status).toBe(202);
    const unblock = await e.call('POST', '/v1/playbooks/unblock-ip/runs', { playbook: 'unblock-ip', inputs: { indicators: '203.0.113.8' } }, { client: 'detector' });
    expect(unblock.status).toBe(403);
    expect(((await unblock.json()) as { code: string; detail: string }).detail).toMatch(/lacks the "unblock" scope/);
  });

  it('blocks IPv6 and egress when asked', async () => {
    const { run } = await e.run('block-ip', { indicators: ['2001:db8:7::/64'], direction: 'both' });
    expect(NETWORK_TARGETS).toEqual(['aws-sandbox/edge', 'azure-sandbox/edge', 'gcp-sandbox/edge']);
    for (const target of NETWORK_TARGETS) {
      expect(run.targets.find((t) => `${t.connector}/${t.target}` === target)?.state).toBe('applied');
      const rules = (await owned(target)).filter((r) => r.cidrs.includes('2001:db8:7::/64'));
      expect(rules.map((r) => r.direction).sort()).toEqual(['egress', 'ingress']);
    }
    // A Cloudflare list blocks requests that reach the zone: ingress holds, egress is refused with the reason.
    expect(run.status).toBe('partially_applied');
    const cf = run.targets.find((t) => t.connector === 'cloudflare-sandbox');
    expect(cf?.state).toBe('partially_applied');
    expect(cf?.errors.join('\n')).toMatch(/egress/);
    expect((await owned('cloudflare-sandbox/edge')).filter((r) => r.cidrs.includes('2001:db8:7::/64')).map((r) => r.direction)).toEqual(['ingress']);
  });

  it('a dry run returns the cloud operations per target and changes nothing', async () => {
    const sims = [e.sims.aws, e.sims.azure, e.sims.gcp, e.sims.waf, e.sims.cloudflare];
    const before = sims.map((s) => s?.controls.writeCalls());
    const dry = { playbook: 'block-ip', inputs: { indicators: ['192.0.2.9'] }, dry_run: true };
    // The signed body must agree with the (unsigned) query: a dry run cannot be turned into a real run.
    const unsignedDry = await e.call('POST', '/v1/playbooks/block-ip/runs', dry);
    expect(unsignedDry.status).toBe(422);
    expect(((await unsignedDry.json()) as { detail: string }).detail).toMatch(/dry_run: the query says false but the signed body says true/);
    const res = await e.call('POST', '/v1/playbooks/block-ip/runs?dry_run=true', dry);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { dry_run: boolean; targets: { connector: string; operations: { op: string; rule: { cidrs: string[]; action: string } }[] }[] };
    expect(body.dry_run).toBe(true);
    expect(body.targets).toHaveLength(TARGETS.length);
    for (const t of body.targets) {
      expect(t.operations).toEqual([expect.objectContaining({ op: 'create', rule: expect.objectContaining({ action: 'deny', cidrs: ['192.0.2.9/32'] }) })]);
    }
    expect(sims.map((s) => s?.controls.writeCalls())).toEqual(before);
    expect(((await (await e.call('GET', '/v1/blocks')).json()) as { blocks: unknown[] }).blocks).toEqual([]);
  });

  it('re-blocking an active indicator extends it and escalates the ttl (repeat offender)', async () => {
    await e.run('block-ip', { indicators: '203.0.113.50' });
    e.clock.advance(3_600_000);
    await e.run('block-ip', { indicators: '203.0.113.50' });
    const blocks = (await (await e.call('GET', '/v1/blocks')).json()) as { blocks: { offenses: number; expires_at: string }[] };
    expect(blocks.blocks[0]?.offenses).toBe(2);
    expect(blocks.blocks[0]?.expires_at).toBe(new Date(e.clock.now() + 7 * 86_400_000).toISOString());
  });
});

describe('allow-ingress and revoke-allow', () => {
  it('opens tcp/443 from the web tier on every cloud (AWS in the security group), then revokes it', async () => {
    const { run } = await e.run('allow-ingress', { from: 'web', to: 'api', protocol: 'tcp', port: 443, reason: 'CHG-7' });
    expect(run.status).toBe('applied');
    for (const target of NETWORK_TARGETS) {
      const rules = await allows(target);
      expect(rules).toHaveLength(1);
      expect(rules[0]).toMatchObject({ protocol: 'tcp', ports: [{ from: 443, to: 443 }], cidrs: ['10.0.1.0/24'], direction: 'ingress' });
    }
    expect((await allows('aws-sandbox/edge'))[0]?.placement).toBe('sg');

    const revoke = await e.run('revoke-allow', { from: 'web', to: 'api', protocol: 'tcp', port: 443 });
    expect(revoke.run.status).toBe('applied');
    for (const target of NETWORK_TARGETS) expect(await allows(target)).toEqual([]);
  });
});

describe('quarantine-host and release-host', () => {
  const hosts = [
    ['aws-sandbox', 'i-0a1b2c3d4e5f60001', 'aws'],
    ['azure-sandbox', 'vm-web-1', 'azure'],
    ['gcp-sandbox', 'web-1', 'gcp'],
  ] as const;

  for (const [connector, host, sim] of hosts) {
    it(`isolates ${host} on ${connector} and restores it exactly`, async () => {
      const before = JSON.stringify(e.sims[sim].controls.hostState(host));
      const q = await e.run('quarantine-host', { host, connector, incident_id: 'INC-9' });
      expect(q.run.status).toBe('applied');
      expect(q.run.targets).toEqual([expect.objectContaining({ connector, state: 'applied' })]);
      expect(JSON.stringify(e.sims[sim].controls.hostState(host))).not.toBe(before);

      const r = await e.run('release-host', { host, connector });
      expect(r.run.status).toBe('applied');
      expect(JSON.stringify(e.sims[sim].controls.hostState(host))).toBe(before);
    });
  }

  it('asks which connector when the host is ambiguous (422, nothing applied)', async () => {
    const res = await e.call('POST', '/v1/playbooks/quarantine-host/runs', { playbook: 'quarantine-host', inputs: { host: 'web-1' } });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { code: string }).code).toBe('target_unknown');
  });
});

describe('a failure on one target never hides success on another', () => {
  it('reports partially_applied when one cloud keeps failing', async () => {
    e.sims.gcp.controls.failNext(1000, 500);
    const { run } = await e.run('block-ip', { indicators: '203.0.113.99' });
    expect(run.status).toBe('partially_applied');
    const states = Object.fromEntries(run.targets.map((t) => [t.connector, t.state]));
    expect(states).toEqual({ 'aws-sandbox': 'applied', 'azure-sandbox': 'applied', 'gcp-sandbox': 'failed', 'cloudflare-sandbox': 'applied' });
    // The simulator answers 500 backendError (GCP's transient internal error); the retries give up on the first read.
    expect(run.targets.find((t) => t.connector === 'gcp-sandbox')?.errors).toEqual([
      'could not read the target: backendError: Internal error. Please try again or contact Google Support.',
    ]);
  });
});

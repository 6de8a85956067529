import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEED_NACL_ID } from '../../connectors/aws-ec2/simulator/seed.ts';
import { type E2E, startE2E, withoutPlacementChains } from '../support/e2e.ts';

// AWS network ACLs hold 20 entries per direction AND address family, the default rule included (the
// seed ACL also has a foreign allow-all per family): 18 IPv4 and 18 IPv6 ingress entries may be owned.
let e: E2E;
beforeEach(async () => {
  // The AWS target as its network ACL alone (the sandbox's chain would overflow these blocks onto WAF).
  e = await startE2E({ config: withoutPlacementChains });
});
afterEach(async () => {
  await e.close();
});

const ownedNacl = async () => ((await e.connectors.get('aws-sandbox')?.list('edge')) ?? []).filter((r) => r.owned && r.placement === 'nacl');
// Odd last octets: no two are siblings, so none merge and each needs an entry of its own.
const v4 = (n: number) => `203.0.113.${2 * n + 1}`;
const v6 = (n: number) => `2001:db8:1:${n.toString(16)}::1`;

interface BlocksBody {
  blocks: { cidr: string; targets: { connector: string; state: string; error: string | null }[] }[];
}
const awsBlocks = async () => {
  const body = (await (await e.call('GET', '/v1/blocks')).json()) as BlocksBody;
  return body.blocks.map((b) => ({ cidr: b.cidr, ...b.targets.find((t) => t.connector === 'aws-sandbox') }));
};

describe('AWS NACL capacity is per direction and family', () => {
  it('places every IPv4 block that has room while IPv6 entries fill their own family', async () => {
    // A person added four IPv6 deny entries outside the band: they use IPv6 room only.
    await e.sims.aws.controls.addForeignRule(SEED_NACL_ID, {
      direction: 'ingress',
      action: 'deny',
      protocol: 'all',
      ports: [],
      cidrs: ['2001:db8:aa::/48', '2001:db8:ab::/48', '2001:db8:ac::/48', '2001:db8:ad::/48'],
      priority: 50,
      placement: 'nacl',
      owned: false,
    });
    const { run } = await e.run('block-ip', { indicators: Array.from({ length: 18 }, (_, i) => v4(i)), direction: 'ingress' });
    expect(run.targets.find((t) => t.connector === 'aws-sandbox')).toMatchObject({ state: 'applied', errors: [] });
    expect((await ownedNacl()).length).toBe(18);

    // IPv6: 20 - default - allow-all - 4 foreign = 14 fit; the 15th is refused, naming the ACL, band and counts.
    const v6run = await e.run('block-ip', { indicators: Array.from({ length: 15 }, (_, i) => v6(i)), direction: 'ingress' });
    expect(v6run.run.targets.find((t) => t.connector === 'aws-sandbox')?.state).toBe('partially_applied');
    const owned = await ownedNacl();
    expect(owned.filter((r) => r.cidrs[0]?.includes(':')).length).toBe(14);
    expect(owned.length).toBe(32);
    const refused = (await awsBlocks()).filter((b) => b.state === 'failed');
    expect(refused.map((b) => b.cidr)).toEqual([`${v6(14)}/128`]);
    expect(refused[0]?.error).toMatch(/network ACL acl-0a1b2c3d4e5f60001/);
    expect(refused[0]?.error).toMatch(/100-199/);
    expect(refused[0]?.error).toMatch(/14 ingress IPv6/);
    expect(refused[0]?.error).toMatch(/20 per direction and family, 6 /);
  });
});

describe('capacity refusals name the ACL, the band and the counts in every path', () => {
  it('a single address refused for capacity', async () => {
    await e.run('block-ip', { indicators: Array.from({ length: 18 }, (_, i) => v4(i)), direction: 'ingress' });
    await e.run('block-ip', { indicators: v4(40), direction: 'ingress' });
    const refused = (await awsBlocks()).filter((b) => b.state === 'failed');
    expect(refused.map((b) => b.cidr)).toEqual([`${v4(40)}/32`]);
    expect(refused[0]?.error).toMatch(/network ACL acl-0a1b2c3d4e5f60001 \(band 100-199\)/);
    expect(refused[0]?.error).toMatch(/18 ingress IPv4 rules and all are full \(20 per direction and family, 2 of them/);
  });

  it('two addresses packed into one /31', async () => {
    await e.run('block-ip', { indicators: Array.from({ length: 18 }, (_, i) => v4(i)), direction: 'ingress' });
    await e.run('block-ip', { indicators: ['192.0.3.0', '192.0.3.1'], direction: 'ingress' });
    const refused = (await awsBlocks()).filter((b) => b.state === 'failed');
    expect(refused.map((b) => b.cidr).sort()).toEqual(['192.0.3.0/32', '192.0.3.1/32']);
    for (const b of refused) {
      expect(b.error).not.toMatch(/not placed on the target/);
      expect(b.error).toMatch(/network ACL acl-0a1b2c3d4e5f60001 \(band 100-199\).*18 ingress IPv4/);
    }
  });
});

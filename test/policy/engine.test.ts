/**
 * Decisions of the shipped policies (playbooks/policies), including boundaries: exact ports, ranges
 * that touch a sensitive port at an edge, CIDR edges of private ranges, IPv6 and IPv4-mapped sources.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_SENSITIVE_PORTS } from '../../src/analysis/index.ts';
import type { ActionInputs } from '../../src/playbooks/inputs.ts';
import { PolicyEngine, PolicyRequestError, loadPolicies } from '../../src/policy/index.ts';

const DIR = join(import.meta.dirname, '../../playbooks/policies');
const tiers = {
  web: { cidrs: ['10.0.1.0/24'], targets: [] },
  api: { cidrs: [], targets: [] },
  partners: { cidrs: ['198.51.100.0/24', '10.9.0.0/16'], targets: [] },
};
const engine = new PolicyEngine(loadPolicies(DIR, Object.keys(tiers)), tiers);

type Inputs = Partial<ActionInputs['allow']> & { from: string[] };
const decide = (inputs: Inputs, action: 'allow' | 'revoke' = 'allow') =>
  engine.decide({ action, client: 'ci', playbook: 'allow-ingress', inputs: { to: 'api', protocol: 'tcp', ...inputs } });
const port = (p: number, to = p) => ({ from: p, to });

describe('web-ports-to-known-tier (auto-approve)', () => {
  it.each([80, 443])('approves tcp %i from the internet', (p) => {
    const d = decide({ from: ['0.0.0.0/0'], port: port(p) });
    expect(d.decision).toBe('approve');
    expect(d.policies.map((x) => x.id)).toEqual(['web-ports-to-known-tier']);
    expect(d.policies[0]?.file).toMatch(/auto-approve-standard\.cedar$/);
  });
  it.each([79, 81, 442, 444])('sends tcp %i (next to a web port) to approval', (p) => {
    expect(decide({ from: ['0.0.0.0/0'], port: port(p) }).decision).toBe('needs_approval');
  });
  it('sends a range containing 443 and udp/443 to approval (only the exact tcp port is standard)', () => {
    expect(decide({ from: ['203.0.113.0/24'], port: port(443, 444) }).decision).toBe('needs_approval');
    expect(decide({ from: ['203.0.113.0/24'], port: port(443), protocol: 'udp' }).decision).toBe('needs_approval');
  });
  it('approves IPv6 sources too', () => {
    expect(decide({ from: ['::/0', '2001:db8::/32'], port: port(443) }).decision).toBe('approve');
  });
});

describe('internal-web-ports-to-known-tier (auto-approve from private ranges only)', () => {
  it('approves 8443 from a tier of private CIDRs and from a ULA', () => {
    expect(decide({ from: ['web'], port: port(8443) }).decision).toBe('approve');
    expect(decide({ from: ['fd12:3456::/32'], port: port(8080) }).decision).toBe('approve');
  });
  it.each([
    ['10.0.0.0/8', 'approve'],
    ['10.0.0.0/7', 'needs_approval'], // reaches 11.0.0.0/8: the internet
    ['172.16.0.0/12', 'approve'],
    ['172.0.0.0/11', 'needs_approval'], // contains 172.16.0.0/12 and public space
    ['192.168.255.255/32', 'approve'],
    ['192.169.0.0/32', 'needs_approval'],
    ['::ffff:10.1.2.3', 'approve'], // IPv4-mapped is the IPv4 host
    ['100.64.0.0/10', 'approve'], // CGNAT shared space is not the internet
  ])('8080 from %s: %s', (source, expected) => {
    expect(decide({ from: [source], port: port(8080) }).decision).toBe(expected);
  });
  it('needs approval when any one source is the internet, naming that source', () => {
    const d = decide({ from: ['web', '::/0'], port: port(8443) });
    expect(d.decision).toBe('needs_approval');
    expect(d.reasons.join()).toContain('::/0');
    expect(d.sources.map((s) => s.decision)).toEqual(['approve', 'needs_approval']);
  });
});

describe('deny-internet-admin-ports and deny-internet-database-ports (forbid)', () => {
  it.each(ALL_SENSITIVE_PORTS.map((s) => [s.port, s.service]))('denies tcp %i (%s) from 0.0.0.0/0 and ::/0 with the reason', (p) => {
    for (const from of ['0.0.0.0/0', '::/0']) {
      const d = decide({ from: [from], port: port(p as number) });
      expect(d.decision).toBe('deny');
      expect(d.policies[0]?.effect).toBe('forbid');
      expect(d.reasons.join()).toContain(String(p));
    }
  });
  it('keeps the forbidden ports in step with the analysis list (the ports beside them are not forbidden)', () => {
    const sensitive = new Set<number>(ALL_SENSITIVE_PORTS.map((s) => s.port));
    for (const s of ALL_SENSITIVE_PORTS) {
      for (const beside of [s.port - 1, s.port + 1]) {
        if (!sensitive.has(beside)) expect(decide({ from: ['0.0.0.0/0'], port: port(beside) }).decision, `port ${beside}`).toBe('needs_approval');
      }
    }
    const text = ['deny-internet-admin.cedar', 'deny-internet-database.cedar'].map((f) => readFileSync(join(DIR, f), 'utf8')).join();
    for (const s of ALL_SENSITIVE_PORTS) expect(text).toContain(`context.portFrom <= ${s.port} && ${s.port} <= context.portTo`);
  });
  it('catches a range with the port at either edge, every port, protocol all and udp', () => {
    expect(decide({ from: ['0.0.0.0/0'], port: port(22, 80) }).decision).toBe('deny');
    expect(decide({ from: ['0.0.0.0/0'], port: port(1, 22) }).decision).toBe('deny');
    expect(decide({ from: ['0.0.0.0/0'], port: port(23, 24) }).decision).toBe('deny'); // telnet
    expect(decide({ from: ['0.0.0.0/0'], port: port(440, 445) }).decision).toBe('deny'); // SMB at the upper edge
    expect(decide({ from: ['0.0.0.0/0'], port: port(24, 444) }).decision).toBe('needs_approval'); // between telnet and SMB
    expect(decide({ from: ['8.8.8.8'] }).decision).toBe('deny'); // no port: every port
    expect(decide({ from: ['8.8.8.8'], protocol: 'all' }).decision).toBe('deny');
    expect(decide({ from: ['8.8.8.8'], protocol: 'udp', port: port(3389) }).decision).toBe('deny');
  });
  it('leaves icmp and private sources to a person', () => {
    expect(decide({ from: ['0.0.0.0/0'], protocol: 'icmp' }).decision).toBe('needs_approval');
    expect(decide({ from: ['10.0.0.0/8'], port: port(22) }).decision).toBe('needs_approval');
    expect(decide({ from: ['web'], port: port(5432) }).decision).toBe('needs_approval');
  });
  it('denies the whole request when one source of a tier is public, even if another would be approved', () => {
    const d = decide({ from: ['partners'], port: port(22) });
    expect(d.decision).toBe('deny');
    expect(d.sources).toEqual([
      { source: '198.51.100.0/24', decision: 'deny', policies: ['deny-internet-admin-ports'] },
      { source: '10.9.0.0/16', decision: 'needs_approval', policies: [] },
    ]);
  });
});

describe('revoke-is-safe', () => {
  it('approves revoking even an administrative port from the internet', () => {
    expect(decide({ from: ['0.0.0.0/0'], port: port(22) }, 'revoke').decision).toBe('approve');
  });
});

describe('bad requests', () => {
  it('refuses an unknown target tier, naming the known ones', () => {
    expect(() => decide({ to: 'payments', from: ['10.0.0.0/8'], port: port(443) })).toThrow(PolicyRequestError);
    expect(() => decide({ to: 'payments', from: ['10.0.0.0/8'] })).toThrow(
      expect.objectContaining({
        name: 'PolicyRequestError',
        code: 'unknown_tier',
        path: 'to',
        message: 'to: unknown tier "payments" (known tiers: web, api, partners)',
      }),
    );
  });
  it('refuses a source that is neither a tier nor a CIDR, and a source tier without CIDRs', () => {
    expect(() => decide({ from: ['10.0.0.0/8', 'nope'] })).toThrow(/from\[1\]: "nope" is neither a known tier/);
    expect(() => decide({ from: ['api'] })).toThrow(/from\[0\]: tier "api" declares no cidrs/);
  });
});

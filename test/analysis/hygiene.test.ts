import { describe, expect, it } from 'vitest';
import { analyzeRules, cleanupPlan } from '../../src/analysis/index.ts';
import type { ConnectorLimits, NormalizedRule } from '../../src/connectors/types.ts';
import { rule } from './rules.ts';

const only = (rules: NormalizedRule[], kind: string, options = {}) => analyzeRules(rules, options).findings.filter((f) => f.kind === kind);

describe('overly permissive', () => {
  it('rates any source on every port critical, on SSH high, on a wide public block medium', () => {
    const findings = only(
      [
        rule({ cloudId: 'any-all', protocol: 'all', ports: [], cidrs: ['0.0.0.0/0'] }),
        rule({ cloudId: 'ssh', ports: [{ from: 22, to: 22 }], cidrs: ['::/0'] }),
        rule({ cloudId: 'wide-db', ports: [{ from: 5432, to: 5432 }], cidrs: ['8.0.0.0/7'] }),
      ],
      'overly_permissive',
    );
    expect(findings.map((f) => [f.rules[0]?.cloudId, f.severity])).toEqual([
      ['any-all', 'critical'],
      ['ssh', 'high'],
      ['wide-db', 'medium'],
    ]);
    expect(findings[1]?.message).toContain('22 (SSH)');
  });

  it('leaves web ports from anywhere, private sources, port ranges beside the sensitive ones, and denies alone', () => {
    const findings = only(
      [
        rule({ cidrs: ['0.0.0.0/0'] }),
        rule({ ports: [{ from: 22, to: 22 }], cidrs: ['10.0.0.0/8'] }),
        rule({ ports: [{ from: 24, to: 444 }], cidrs: ['0.0.0.0/0'] }),
        rule({ action: 'deny', ports: [{ from: 22, to: 22 }], cidrs: ['0.0.0.0/0'] }),
      ],
      'overly_permissive',
    );
    expect(findings).toEqual([]);
  });

  it('catches a range that contains a sensitive port at its edge', () => {
    expect(only([rule({ ports: [{ from: 3380, to: 3389 }], cidrs: ['0.0.0.0/0'] })], 'overly_permissive')).toHaveLength(1);
    expect(only([rule({ ports: [{ from: 3390, to: 3400 }], cidrs: ['0.0.0.0/0'] })], 'overly_permissive')).toHaveLength(0);
  });
});

describe('near quota', () => {
  it('warns at 80% of the AWS security group quota per direction and family, high at 100%', () => {
    const sg = (n: number, family: 'v4' | 'v6') =>
      Array.from({ length: n }, (_, i) => rule({ placement: 'sg', cidrs: [family === 'v4' ? `10.0.${i}.0/24` : `2001:db8:${i.toString(16)}::/48`] }));
    expect(only(sg(47, 'v4'), 'near_quota')).toEqual([]);
    expect(only(sg(48, 'v4'), 'near_quota').map((f) => f.severity)).toEqual(['medium']);
    expect(only([...sg(60, 'v4'), ...sg(10, 'v6')], 'near_quota').map((f) => [f.severity, f.message.split(':')[0]])).toEqual([['high', 'sg ingress ipv4']]);
  });

  it("counts owned rules against the service's own capacity from Connector.limits", () => {
    const limits = { firewall: { maxRulesPerDirection: 10, maxPrefixesPerTarget: Number.POSITIVE_INFINITY } as ConnectorLimits };
    const rules = Array.from({ length: 9 }, (_, i) => rule({ owned: true, priority: i, cidrs: [`10.${i}.0.0/16`] }));
    expect(only(rules, 'near_quota', { limits }).map((f) => f.message)).toEqual(['firewall ingress (owned): 9 of 10 (90% of the service\'s rule capacity)']);
  });
});

describe('expired owned rules', () => {
  it('reports owned rules past their expiry with the intents to retract, and ignores unowned and live ones', () => {
    const rules = [
      rule({ cloudId: 'old', owned: true, intentIds: ['int_1'], cidrs: ['198.51.100.0/24'] }),
      rule({ cloudId: 'live', owned: true, intentIds: ['int_2'], cidrs: ['198.51.101.0/24'] }),
      rule({ cloudId: 'theirs', owned: false, intentIds: ['int_1'], cidrs: ['198.51.102.0/24'] }),
    ];
    const expiry: Record<string, number> = { int_1: 1_000, int_2: 5_000 };
    const findings = only(rules, 'expired', { now: 2_000, expiryOf: (r: NormalizedRule) => expiry[r.intentIds?.[0] ?? ''] });
    expect(findings.map((f) => f.rules[0]?.cloudId)).toEqual(['old']);
    expect(findings[0]?.fix.retractIntents).toEqual(['int_1']);
  });
});

describe('mergeable CIDRs', () => {
  it('merges siblings repeatedly (four /26 into one /24) across rules with the same match', () => {
    const rules = ['10.0.0.0/26', '10.0.0.64/26', '10.0.0.128/26', '10.0.0.192/26'].map((c, i) => rule({ placement: 'sg', cloudId: `r${i}`, cidrs: [c] }));
    const [finding, ...rest] = only(rules, 'mergeable');
    expect(rest).toEqual([]);
    expect(finding?.message).toContain('10.0.0.0/24');
    expect(finding?.rules.map((r) => r.cloudId)).toEqual(['r0', 'r1', 'r2', 'r3']);
  });

  it('does not merge blocks that are not siblings, or rules with another port', () => {
    const rules = [
      rule({ placement: 'sg', cidrs: ['10.0.1.0/24'] }),
      rule({ placement: 'sg', cidrs: ['10.0.2.0/24'] }),
      rule({ placement: 'sg', cidrs: ['10.0.3.0/24'], ports: [{ from: 80, to: 80 }] }),
    ];
    expect(only(rules, 'mergeable')).toEqual([]);
  });

  it('in ordered placements merges only rules next to each other in evaluation order', () => {
    const split = [
      rule({ priority: 100, cidrs: ['10.0.0.0/25'] }),
      rule({ priority: 200, action: 'deny', ports: [{ from: 22, to: 22 }], cidrs: ['10.0.0.0/8'] }),
      rule({ priority: 300, cidrs: ['10.0.0.128/25'] }),
    ];
    expect(only(split, 'mergeable')).toEqual([]);
    const adjacent = [rule({ priority: 100, cidrs: ['10.0.0.0/25'] }), rule({ priority: 110, cidrs: ['10.0.0.128/25'] })];
    expect(only(adjacent, 'mergeable')).toHaveLength(1);
  });
});

describe('cleanup plan', () => {
  it('deletes only owned rules of safe kinds and retracts their intents', () => {
    const rules = [
      rule({ placement: 'sg', cloudId: 'wide', cidrs: ['10.0.0.0/16'] }),
      rule({ placement: 'sg', cloudId: 'mine', owned: true, intentIds: ['int_9'], cidrs: ['10.0.1.0/24'] }),
      rule({ placement: 'sg', cloudId: 'theirs', cidrs: ['10.0.2.0/24'] }),
    ];
    const plan = cleanupPlan(analyzeRules(rules));
    expect(plan.changes.map((c) => (c.op === 'delete' ? c.rule.cloudId : c.op))).toEqual(['mine']);
    expect(plan.retractIntents).toEqual(['int_9']);
    expect(plan.manual).toBeGreaterThan(0);
  });
});

describe('report', () => {
  it('orders findings most severe first and counts them', () => {
    const report = analyzeRules([
      rule({ placement: 'sg', cidrs: ['10.0.0.0/24'] }),
      rule({ placement: 'sg', cidrs: ['10.0.0.0/24'] }),
      rule({ placement: 'sg', protocol: 'all', ports: [], cidrs: ['0.0.0.0/0'] }),
    ]);
    expect(report.findings[0]?.severity).toBe('critical');
    expect(report.summary.duplicate).toBe(1);
    expect(report.summary.bySeverity.critical).toBe(1);
  });
});

/** Traffic findings: verdicts only with enough coverage, evidence on each, narrower rules proposed. */
import { describe, expect, it } from 'vitest';
import { analyzeRules } from '../../src/analysis/index.ts';
import { UsageModel } from '../../src/flowlogs/index.ts';
import { rule } from './support.ts';

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);
function usageOver(days: number, hits: { rule: number; remote: string; port: number; at?: number }[] = []) {
  const usage = new UsageModel();
  for (let d = 0; d < days; d++) usage.cover(T0 + d * DAY_MS, T0 + d * DAY_MS + 60_000);
  for (const h of hits) {
    const at = h.at ?? T0;
    usage.hit(h.rule, { start: at, end: at + 60_000, hits: 1, packets: 2, bytes: 100, protocol: 6, dstPort: h.port }, h.remote, false);
  }
  return usage;
}

describe('traffic findings', () => {
  const rules = [
    rule({ cloudId: 'web', cidrs: ['0.0.0.0/0'], ports: [{ from: 443, to: 443 }] }),
    rule({ cloudId: 'ssh', cidrs: ['198.51.100.0/24'], ports: [{ from: 22, to: 22 }] }),
    rule({ cloudId: 'app', cidrs: ['10.0.0.0/16'], ports: [{ from: 8000, to: 8999 }], owned: true, intentIds: ['int_app'] }),
    rule({ cloudId: 'block-hit', placement: 'nacl', action: 'deny', protocol: 'all', ports: [], cidrs: ['203.0.113.7/32'], priority: 100, owned: true }),
    rule({ cloudId: 'block-idle', placement: 'nacl', action: 'deny', protocol: 'all', ports: [], cidrs: ['203.0.113.8/32'], priority: 101, owned: true, intentIds: ['int_idle'] }),
    rule({ cloudId: 'their-deny', placement: 'nacl', action: 'deny', protocol: 'all', ports: [], cidrs: ['192.0.2.0/24'], priority: 50 }),
  ];
  const hits = [
    { rule: 0, remote: '192.0.2.10', port: 443 },
    { rule: 0, remote: '198.18.0.1', port: 443 },
    { rule: 0, remote: '100.24.9.1', port: 443, at: T0 + 9 * DAY_MS },
    { rule: 2, remote: '10.0.3.4', port: 8080 },
    { rule: 3, remote: '203.0.113.7', port: 22 },
    { rule: 5, remote: '192.0.2.99', port: 80 },
  ];

  it('gives no unused or narrowable verdict below the minimum coverage (default 14 days), and says so', () => {
    const report = analyzeRules(rules, { traffic: { usage: usageOver(13, hits) } });
    const kinds = report.findings.map((f) => f.kind);
    expect(kinds).toContain('insufficient_coverage');
    expect(kinds).not.toContain('unused');
    expect(kinds).not.toContain('narrowable');
    expect(kinds).not.toContain('block_idle');
    // Evidence that does not depend on coverage is still given.
    expect(kinds).toContain('block_effective');
    expect(kinds).toContain('deny_hits');
    const cov = report.findings.find((f) => f.kind === 'insufficient_coverage');
    expect(cov?.message).toMatch(/cover 13 day\(s\); at least 14 are needed/);
  });

  it('with 14 days: unused rules, narrower rules, idle and effective blocks, each with its evidence', () => {
    const report = analyzeRules(rules, { traffic: { usage: usageOver(14, hits) } });
    const by = (kind: string, cloudId: string) => report.findings.find((f) => f.kind === kind && f.rules[0]?.cloudId === cloudId);
    const unused = by('unused', 'ssh');
    expect(unused?.evidence).toMatchObject({ hits: 0, coverage: { days: 14, gapDays: 0, minDays: 14 } });
    expect(unused?.fix.changes).toBeUndefined(); // not ours: advice only
    expect(unused?.fix.detail).toMatch(/adopt-rules/);

    const web = by('narrowable', 'web');
    expect(web?.severity).toBe('medium');
    expect(web?.message).toMatch(/only used from 3 prefix\(es\)/);
    expect(web?.fix.detail).toBe('replace it with tcp 443 from 192.0.2.0/24, 198.18.0.0/24, 100.24.9.0/24; adopt-rules first, then cleanup-rules kinds [narrow]');
    expect(web?.evidence).toMatchObject({ hits: 3, lastSeen: new Date(T0 + 9 * DAY_MS + 60_000).toISOString(), distinctRemotes: 3 });

    const app = by('narrowable', 'app');
    expect(app?.fix.changes).toEqual([{ op: 'update', before: rules[2], rule: { ...rules[2], cidrs: ['10.0.3.0/24'], ports: [{ from: 8080, to: 8080 }] } }]);
    expect(app?.fix.retractIntents).toEqual(['int_app']);

    expect(by('block_effective', 'block-hit')?.evidence?.hits).toBe(1);
    const idle = by('block_idle', 'block-idle');
    expect(idle?.fix.changes).toEqual([{ op: 'delete', rule: rules[4] }]);
    expect(by('deny_hits', 'their-deny')?.evidence?.topRemotes).toEqual([{ prefix: '192.0.2.0/24', records: 1 }]);
    expect(report.summary.unused).toBe(1);
    expect(report.summary.narrowable).toBe(2);
  });

  it('honours a configured minimum and never judges rules it cannot evaluate (group references)', () => {
    const report = analyzeRules(rules, { traffic: { usage: usageOver(3, hits), minCoverageDays: 3, unevaluable: [1] } });
    expect(report.findings.some((f) => f.kind === 'unused' && f.rules[0]?.cloudId === 'ssh')).toBe(false);
    expect(report.findings.some((f) => f.kind === 'narrowable')).toBe(true);
  });

  it('does not narrow a rule that carried return legs (it serves every client)', () => {
    const usage = usageOver(14);
    usage.hit(0, { start: T0, end: T0, hits: 1, packets: 1, bytes: 1, protocol: 6, dstPort: 40_000 }, '192.0.2.1', false, true);
    const report = analyzeRules([rules[0] as (typeof rules)[number]], { traffic: { usage } });
    expect(report.findings.filter((f) => f.kind === 'narrowable')).toEqual([]);
  });
});

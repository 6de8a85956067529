import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAws, TARGET_ID } from '../../connectors/aws-ec2/harness.ts';
import { analyzeRules } from '../../src/analysis/analyze.ts';
import { normalizedRulesSchema } from '../../src/analysis/rules-schema.ts';

let aws: ReturnType<typeof startAws>;
beforeEach(() => {
  aws = startAws();
});
afterEach(() => aws.stop());

const aboutDefaults = (report: ReturnType<typeof analyzeRules>, rules: { priority: number }[]) =>
  report.findings.filter((f) => f.rules.some((r) => (rules[r.index]?.priority ?? 0) >= 32767));

describe("AWS's immutable default NACL entries are not findings", () => {
  it('a listed target reports nothing about the 32767/32768 entries, which the connector marks built in', async () => {
    const rules = await aws.connector.list(TARGET_ID);
    expect(rules.filter((r) => r.builtIn).map((r) => r.priority).sort()).toEqual([32767, 32767, 32768, 32768]);
    const report = analyzeRules(rules, { cloud: 'aws-ec2' });
    expect(aboutDefaults(report, rules)).toEqual([]);
    expect(report.findings.filter((f) => f.kind === 'shadowed' && f.severity === 'high')).toEqual([]);
  });

  it('a rules file without the marker gets the same answer, and other shadowed rules are still found', () => {
    const allowAll = (priority: number, cidr: string) => ({ direction: 'ingress', action: 'allow', protocol: 'all', placement: 'nacl', priority, cidrs: [cidr] });
    const denyAll = (priority: number, cidr: string) => ({ ...allowAll(priority, cidr), action: 'deny' });
    const rules = normalizedRulesSchema.parse([allowAll(1000, '0.0.0.0/0'), allowAll(1001, '::/0'), denyAll(1500, '203.0.113.0/24'), denyAll(32767, '0.0.0.0/0'), denyAll(32768, '::/0')]);
    const report = analyzeRules(rules, { cloud: 'aws-ec2' });
    expect(aboutDefaults(report, rules)).toEqual([]);
    // The deny at 1500 is shadowed by the allow-all at 1000: a person can act on that one.
    expect(report.findings.filter((f) => f.kind === 'shadowed').map((f) => f.rules[0]?.priority)).toEqual([1500]);
  });
});

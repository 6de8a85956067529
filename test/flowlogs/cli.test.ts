/** `portcullis analyze --flow-logs` on the shipped sample logs of each cloud (examples/flow-logs). */
import { describe, expect, it } from 'vitest';
import { runCapture } from '../cli/run.ts';
import { tempFiles } from './support.ts';

const S = 'examples/flow-logs';
const file = tempFiles();

describe('analyze --flow-logs on the shipped samples', () => {
  it('AWS: unused and narrowable rules with evidence, from a v5 custom-format file and a gzipped v2 file', async () => {
    const r = await runCapture(['analyze', '--rules', `${S}/aws/rules.json`, '--flow-logs', `${S}/aws/vpc-flow-logs-v5.log`, '--flow-logs', `${S}/aws/vpc-flow-logs-v2.log.gz`]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/flow logs: 2 file\(s\), 138 records counted, 1 duplicate records .* 1 malformed skipped/);
    expect(r.out).toMatch(/malformed: examples\/flow-logs\/aws\/vpc-flow-logs-v5.log line 6: 8 fields, expected 16/);
    expect(r.out).toMatch(/\[medium\] unused: sg sgr-0mysql0000000001 \(ingress allow tcp 3306 from 10.0.0.0\/16\) carried no traffic in 15 days/);
    expect(r.out).toMatch(/\[medium\] narrowable: sg sgr-0https0000000001 .* only used from 3 prefix\(es\) \(192.0.2.0\/24, 198.18.7.0\/24, 100.24.9.0\/24\)/);
    expect(r.out).toMatch(/evidence: hits 45; bytes 189000; first 2026-11-01T01:00:00.000Z; last 2026-11-15T01:01:02.000Z; 15 records also matched other rules/);
    expect(r.out).toMatch(/\[low\] block_idle: nacl ingress:101/);
    expect(r.out).toMatch(/\[info\] block_effective: nacl ingress:100 .* 3 hits/);
  });

  it('Azure: VNet flow logs, NSG flow logs v2 (gzip) and the rule counter together', async () => {
    const r = await runCapture(['analyze', '--rules', `${S}/azure/rules.json`, '--format', 'json', '--flow-logs', `${S}/azure/vnet-flow-logs.json`, '--flow-logs', `${S}/azure/nsg-flow-logs-v2.json.gz`, '--flow-logs', `${S}/azure/nsg-rule-counter.json`]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.flowLogs).toMatchObject({ format: 'azure', files: 3, malformed: 0, coverage: { days: 15, gapDays: 0 } });
    const unused = json.findings.filter((f: { kind: string }) => f.kind === 'unused').map((f: { rules: { cloudId: string }[] }) => f.rules[0]?.cloudId);
    expect(unused.sort()).toEqual(['allow-legacy-ftp', 'allow-rdp-admin']);
    const app = json.findings.find((f: { kind: string; rules: { cloudId: string }[] }) => f.kind === 'narrowable' && f.rules[0]?.cloudId === 'allow-app');
    expect(app.fix.detail).toMatch(/^replace it with tcp 8080 from 10.1.2.0\/24/);
    expect(app.evidence).toMatchObject({ hits: 55, topPorts: [{ port: 8080, records: 20 }] });
  });

  it('GCP: firewall log entries (NDJSON)', async () => {
    const r = await runCapture(['analyze', '--rules', `${S}/gcp/rules.json`, '--flow-logs', `${S}/gcp/firewall-logs.ndjson`]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/75 records counted, 1 duplicate records/);
    expect(r.out).toMatch(/\[medium\] unused: firewall allow-ssh-iap/);
    expect(r.out).toMatch(/\[medium\] narrowable: firewall allow-https .* and on 443 over 15 days/);
    expect(r.out).toMatch(/\[low\] deny_hits: firewall deny-telnet/);
  });

  it('bad input: another account is refused naming both (exit 1); usage errors exit 2; a missing file exits 1', async () => {
    const rules = file('rules.json', JSON.stringify({ scope: { accountId: '111111111111' }, rules: [] }));
    const other = await runCapture(['analyze', '--rules', rules, '--flow-format', 'aws', '--flow-logs', `${S}/aws/vpc-flow-logs-v5.log`]);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/vpc-flow-logs-v5.log \(line 2\): this log is for account-id 123456789012, not the target's 111111111111; refused/);
    expect(other.out).toBe('');
    expect((await runCapture(['analyze', '--rules', rules, '--flow-format', 'aws'])).code).toBe(2);
    expect((await runCapture(['analyze', '--rules', rules, '--flow-logs', 'x', '--flow-format', 'ftp'])).code).toBe(2);
    expect((await runCapture(['analyze', '--rules', rules, '--flow-format', 'aws', '--flow-logs', 'no-such.log'])).code).toBe(1);
    const badScope = file('bad-scope.json', JSON.stringify({ scope: { accountId: '12' }, rules: [] }));
    const scoped = await runCapture(['analyze', '--rules', badScope, '--flow-format', 'aws', '--flow-logs', `${S}/aws/vpc-flow-logs-v5.log`]);
    expect(scoped.code).toBe(1);
    expect(scoped.err).toMatch(/scope: accountId: a 12-digit AWS account id/);
  });
});

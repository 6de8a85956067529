/** AWS VPC Flow Logs: formats, attribution by evaluation (NACL first match, SG every match), bad input. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FlowLogRefused, ingestFlowLogs } from '../../src/flowlogs/index.ts';
import { DAY, rule, tempFiles } from './support.ts';

const file = tempFiles();
// The two default-format records of the AWS VPC user guide ("Flow log record examples").
const DOC_ACCEPT = '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK';
const DOC_NODATA = '2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA';

describe('AWS flow logs: formats', () => {
  it('reads the default v2 format (the user guide examples), gzip or plain, and counts NODATA as coverage', async () => {
    const rules = [
      rule({ cloudId: 'ssh', ports: [{ from: 22, to: 22 }], cidrs: ['172.31.0.0/16'] }),
      rule({ cloudId: 'rdp', ports: [{ from: 3389, to: 3389 }], cidrs: ['10.0.0.0/8'] }),
    ];
    const scope = { localCidrs: ['172.31.16.0/27'] };
    const plain = await ingestFlowLogs([file('v2.log', `${DOC_ACCEPT}\n${DOC_NODATA}\n`)], rules, { scope });
    const gz = await ingestFlowLogs([file('v2.log.gz', `${DOC_ACCEPT}\n${DOC_NODATA}\n`)], rules, { scope });
    for (const { usage } of [plain, gz]) {
      expect(usage.rules.get(0)).toMatchObject({ hits: 1, bytes: 4249, packets: 20, firstSeen: 1418530010_000, lastSeen: 1418530070_000 });
      expect([...usage.rules.get(0)?.remotes4.keys() ?? []]).toEqual([(172 << 24 >>> 0) + (31 << 16) + (16 << 8)]);
      expect(usage.rules.has(1)).toBe(false);
      expect(usage.coverage().days).toBe(2); // 2014-12-14 and 2015-05-10 (NODATA)
    }
  });

  it('reads a custom format whose header line names the fields, v3-v5 fields included', async () => {
    const header = 'version vpc-id account-id interface-id pkt-srcaddr srcaddr dstaddr srcport dstport protocol bytes packets start end action log-status flow-direction tcp-flags';
    const line = '5 vpc-0a1b2c3d4e5f60001 123456789012 eni-0a1b2c3d4e5f60001 198.51.100.7 10.0.0.9 10.0.1.5 40000 443 6 900 3 1700000000 1700000060 ACCEPT OK ingress 2';
    const { usage } = await ingestFlowLogs([file('v5.log', `${header}\n${line}\n`)], [rule({ cidrs: ['198.51.100.0/24'] })]);
    const u = usage.rules.get(0);
    expect(u).toMatchObject({ hits: 1, bytes: 900, packets: 3 });
    // pkt-srcaddr (the original source behind NAT) is what the rule is evaluated on.
    expect([...(u?.remotes4.keys() ?? [])]).toEqual([(198 << 24 >>> 0) + (51 << 16) + (100 << 8)]);
  });

  it('reads stdin ("-")', async () => {
    const { usage } = await ingestFlowLogs(['-'], [rule({ cidrs: ['0.0.0.0/0'], ports: [{ from: 22, to: 22 }] })], {
      stdin: Readable.from([`${DOC_ACCEPT}\n`]),
      scope: { localCidrs: ['172.31.16.0/27'] },
    });
    expect(usage.rules.get(0)?.hits).toBe(1);
  });
});

describe('AWS attribution by evaluation', () => {
  const header = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction';
  const rec = (src: string, dport: number, action = 'ACCEPT', dir = 'ingress', t = 1_700_000_000, sport = 40_000) =>
    `5 123456789012 eni-0a1b2c3d4e5f60001 ${src} 10.0.1.5 ${sport} ${dport} 6 1 100 ${t} ${t + 60} ${action} OK ${dir}`;

  it('network ACL: the first entry in rule-number order counts, whatever the list order', async () => {
    const rules = [
      rule({ placement: 'nacl', cloudId: 'ingress:200', priority: 200, cidrs: ['0.0.0.0/0'] }),
      rule({ placement: 'nacl', cloudId: 'ingress:100', priority: 100, action: 'deny', cidrs: ['203.0.113.0/24'], protocol: 'all', ports: [] }),
      rule({ placement: 'nacl', cloudId: 'ingress:150', priority: 150, cidrs: ['203.0.113.0/25'] }),
    ];
    const body = [header, rec('203.0.113.5', 443, 'REJECT'), rec('192.0.2.1', 443)].join('\n');
    const { usage } = await ingestFlowLogs([file('nacl.log', body)], rules);
    expect(usage.rules.get(1)?.hits).toBe(1); // #100 deny: first match
    expect(usage.rules.has(2)).toBe(false); // #150 also matches 203.0.113.5 but comes later
    expect(usage.rules.get(0)?.hits).toBe(1); // 192.0.2.1 reaches #200
    expect(usage.stats.mismatched).toBe(0);
  });

  it('security groups: every matching allow rule counts the flow, flagged ambiguous (never one "least permissive" rule)', async () => {
    const rules = [
      rule({ cloudId: 'any-443', cidrs: ['0.0.0.0/0'] }),
      rule({ cloudId: 'partner-443', cidrs: ['192.0.2.0/24'] }),
      rule({ cloudId: 'host-443', cidrs: ['192.0.2.1/32'] }),
      rule({ cloudId: 'other-port', cidrs: ['192.0.2.0/24'], ports: [{ from: 22, to: 22 }] }),
    ];
    const { usage } = await ingestFlowLogs([file('sg.log', [header, rec('192.0.2.1', 443)].join('\n'))], rules);
    for (const i of [0, 1, 2]) expect(usage.rules.get(i)).toMatchObject({ hits: 1, ambiguous: 1 });
    expect(usage.rules.has(3)).toBe(false);
    expect(usage.stats.ambiguous).toBe(1);
  });

  it('security groups are stateful: a return leg (to an ephemeral port) counts for no SG rule; NACL entries do carry it', async () => {
    const rules = [
      rule({ cloudId: 'egress-all', direction: 'egress', protocol: 'all', ports: [] }),
      rule({ placement: 'nacl', cloudId: 'egress:100', direction: 'egress', priority: 100, protocol: 'tcp', ports: [{ from: 1024, to: 65_535 }] }),
    ];
    const reply = `5 123456789012 eni-0a1b2c3d4e5f60001 10.0.1.5 192.0.2.1 443 40000 6 1 100 1700000000 1700000060 ACCEPT OK egress`;
    const { usage } = await ingestFlowLogs([file('reply.log', [header, reply].join('\n'))], rules);
    expect(usage.rules.has(0)).toBe(false);
    expect(usage.rules.get(1)).toMatchObject({ hits: 1, responses: 1 });
  });

  it('infers the direction from the target ranges when the log has no flow-direction, and says when it cannot', async () => {
    const rules = [rule({ cidrs: ['0.0.0.0/0'], ports: [{ from: 22, to: 22 }] })];
    const eastWest = '2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.16.21 49761 22 6 20 4249 1418530010 1418530070 ACCEPT OK';
    const { usage } = await ingestFlowLogs([file('guess.log', `${DOC_ACCEPT}\n${eastWest}\n`)], rules, { scope: { localCidrs: ['172.31.0.0/16'] } });
    expect(usage.rules.has(0)).toBe(false);
    expect(usage.stats.unattributed.direction_unknown).toBe(2);
    const narrow = await ingestFlowLogs([file('guess2.log', `${DOC_ACCEPT}\n`)], rules, { scope: { localCidrs: ['172.31.16.0/27'] } });
    expect(narrow.usage.rules.get(0)?.hits).toBe(1);
  });
});

describe('AWS bad input', () => {
  it('counts and skips malformed lines, naming the file and line of the first five; never fatal', async () => {
    const bad = ['garbage', '2 123456789010 eni-1 1.2.3.4', DOC_ACCEPT.replace('1418530010', 'soon'), ...Array(5).fill('x y z'), DOC_ACCEPT].join('\n');
    const path = file('bad.log', bad);
    const { usage } = await ingestFlowLogs([path], [rule({ cidrs: ['0.0.0.0/0'], ports: [] })], { scope: { localCidrs: ['172.31.16.0/27'] } });
    expect(usage.stats.malformed).toBe(8);
    expect(usage.stats.malformedSamples).toHaveLength(5);
    expect(usage.stats.malformedSamples[0]).toEqual({ file: path, at: 'line 1', reason: expect.stringMatching(/1 fields, expected 14/) });
    expect(usage.stats.malformedSamples[2]).toMatchObject({ at: 'line 3', reason: 'start/end: expected Unix seconds' });
    expect(usage.rules.get(0)?.hits).toBe(1);
  });

  it('refuses a log of another account or VPC, naming both, and counts nothing from it', async () => {
    const rules = [rule({ cidrs: ['0.0.0.0/0'], ports: [] })];
    const path = file('other.log', `${DOC_ACCEPT}\n`);
    const refused = ingestFlowLogs([path], rules, { scope: { accountId: '999999999999' } });
    await expect(refused).rejects.toBeInstanceOf(FlowLogRefused);
    await expect(refused).rejects.toThrow(`${path} (line 1): this log is for account-id 123456789010, not the target's 999999999999`);
    const vpc = file('vpc.log', 'version vpc-id srcaddr dstaddr dstport protocol start end\n3 vpc-0000000000000000a 1.2.3.4 10.0.0.1 443 6 1 2\n');
    await expect(ingestFlowLogs([vpc], rules, { scope: { vpcId: 'vpc-0a1b2c3d4e5f60001' } })).rejects.toThrow(/vpc-id vpc-0000000000000000a, not the target's vpc-0a1b2c3d4e5f60001/);
  });

  it('does not double-count redelivered records (out of order too) or a file delivered twice', async () => {
    const header = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction';
    const at = (t: number, sport: number) => `5 123456789012 eni-0a1b2c3d4e5f60001 192.0.2.1 10.0.1.5 ${sport} 443 6 1 100 ${t} ${t + 60} ACCEPT OK ingress`;
    const t = 1_700_000_000;
    const lines = [header, at(t + 120, 1), at(t, 2), at(t + 60, 3), at(t, 2), at(t + 120, 1)];
    const a = file('a.log', lines.join('\n'));
    const copy = file('a-again.log', lines.join('\n'));
    const { usage } = await ingestFlowLogs([a, copy], [rule({})]);
    expect(usage.rules.get(0)?.hits).toBe(3);
    expect(usage.stats.duplicates).toBe(2);
    expect(usage.stats.duplicateFiles).toEqual([copy]);
    // Spread over days: coverage counts days, and names the missing ones.
    const spread = file('spread.log', [header, at(t, 1), at(t + 3 * DAY, 2)].join('\n'));
    const cov = (await ingestFlowLogs([spread], [rule({})])).usage.coverage();
    expect(cov).toMatchObject({ days: 2, gapDays: 2, gaps: ['2023-11-15', '2023-11-16'] });
  });
});

describe('the byte path reads what the line path reads', () => {
  it('lines split across read chunks, CRLF endings, redeliveries and IPv6 records count exactly once each', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 4000; i++) {
      lines.push(`2 123456789012 eni-0a1b2c3d4e5f60001 192.0.2.${i % 250} 10.0.1.5 ${40000 + (i % 1000)} 443 6 1 100 ${1_700_000_000 + i} ${1_700_000_060 + i} ACCEPT OK`);
    }
    lines.push(lines[3990] as string, lines[3999] as string); // redelivered records (inside the 20-minute window)
    lines.push('2 123456789012 eni-0a1b2c3d4e5f60001 2001:db8::7 fd00::5 40000 443 6 1 100 1700000000 1700000060 ACCEPT OK');
    lines.push('2 123456789012 eni-0a1b2c3d4e5f60001 - - - - - - - 1700000000 1700000060 - NODATA');
    lines.push('not a flow log line');
    const body = `${lines.join('\r\n')}\r\n`;
    expect(body.length).toBeGreaterThan(3 * 65_536); // several 64 KiB reads
    const rules = [rule({ cidrs: ['192.0.2.0/24', '2001:db8::/32'] })];
    const { usage } = await ingestFlowLogs([file('chunks.log', body)], rules);
    expect(usage.stats.records).toBe(4001);
    expect(usage.stats.duplicates).toBe(2);
    expect(usage.stats.malformed).toBe(1);
    expect(usage.rules.get(0)).toMatchObject({ hits: 4001, bytes: 400_100 });
    expect([...(usage.rules.get(0)?.remotes4.keys() ?? [])]).toEqual([(192 << 24 >>> 0) + (2 << 8)]);
    expect(usage.rules.get(0)?.remotes6.size).toBe(1);
    expect(usage.rules.get(0)?.ports.get(443)).toBe(4001);
  });
});

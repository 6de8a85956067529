/**
 * The compiled AWS engine (byte scanner, decision tables, typed counters: src/flowlogs/aws-scan.ts,
 * attribute.ts CompiledAws, counters.ts) and its worker-thread ranges (parallel.ts) against the
 * reference engine (AwsFlowLogParser + awsAttributor + UsageModel.hit), record for record: every
 * counter, attribute map (in order), statistic, malformed sample and coverage must be equal.
 */
import { describe, expect, it } from 'vitest';
import type { NormalizedRule } from '../../src/connectors/types.ts';
import { FlowLogRefused, type IngestOptions, ingestFlowLogs, type UsageModel } from '../../src/flowlogs/index.ts';
import { seededRandom } from '../../src/net/random-cidrs.ts';
import { rule, tempFiles } from './support.ts';

const file = tempFiles();
const T0 = 1_700_000_000;

/** Everything a UsageModel says, in comparable form (Maps as entry lists, so their order counts too). */
function view(usage: UsageModel) {
  const rules = [...usage.rules.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([i, u]) => ({ i, ...u, remotes4: [...u.remotes4], remotes6: [...u.remotes6], ports: [...u.ports] }));
  return { rules, stats: usage.stats, coverage: usage.coverage(), unlisted: [...usage.unlisted] };
}

/** NACL entries (unique rule numbers per direction) and security-group rules over a few clustered prefixes. */
function randomRules(seed: number): NormalizedRule[] {
  const random = seededRandom(seed);
  const nets = ['198.51.100.0', '203.0.113.0', '192.0.2.0', '10.1.0.0', '100.64.0.0'];
  const cidr = () => {
    if (random.int(0, 15) === 0) return '0.0.0.0/0';
    if (random.int(0, 20) === 0) return '2001:db8::/32';
    const [a, b, c] = random.pick(nets).split('.').map(Number) as [number, number, number];
    return `${a}.${b}.${c + random.int(0, 3)}.${random.int(0, 255)}/${random.int(16, 32)}`;
  };
  const ports = (): NormalizedRule['ports'] => {
    const k = random.int(0, 4);
    if (k === 0) return [];
    if (k === 1) return [{ from: 1024, to: 65_535 }];
    const p = random.pick([22, 80, 443, 8080, 53, 3389]);
    return k === 2 ? [{ from: p, to: p }] : [{ from: p, to: p + random.int(0, 100) }, { from: 5000, to: 5010 }];
  };
  const protocol = () => random.pick(['tcp', 'tcp', 'udp', 'icmp', 'all'] as const);
  const rules: NormalizedRule[] = [];
  for (const direction of ['ingress', 'egress'] as const) {
    const numbers = new Set<number>();
    for (let i = 0; i < 25; i++) {
      let n = random.int(1, 300) * 10;
      while (numbers.has(n)) n += 1;
      numbers.add(n);
      rules.push(rule({ placement: 'nacl', direction, priority: n, cloudId: `${direction}:${n}`, action: random.int(0, 3) === 0 ? 'deny' : 'allow', protocol: protocol(), ports: ports(), cidrs: [cidr()] }));
    }
    for (let i = 0; i < 60; i++) {
      const cidrs = random.int(0, 4) === 0 ? [cidr(), cidr()] : [cidr()];
      rules.push(rule({ placement: 'sg', direction, cloudId: `sgr-${direction}-${i}`, action: random.int(0, 9) === 0 ? 'deny' : 'allow', protocol: protocol(), ports: ports(), cidrs }));
    }
  }
  rules.push(rule({ placement: 'sg', cloudId: 'sg-ref', sourceGroup: 'sg-123', cidrs: [] }));
  return rules;
}

/** Log lines: default or custom (v5 with flow-direction and pkt-srcaddr) layout, duplicates, odd and bad lines. */
function randomLog(seed: number, count: number, custom: boolean): string {
  const random = seededRandom(seed);
  const remote = () => `${random.pick(['198.51.100', '203.0.113', '192.0.2', '10.1.0', '100.64.0', '8.8.8'])}.${random.int(0, 255)}`;
  const local = () => `10.0.${random.int(0, 3)}.${random.int(1, 254)}`;
  const lines: string[] = [];
  if (custom) lines.push('version vpc-id account-id interface-id pkt-srcaddr srcaddr dstaddr srcport dstport protocol bytes packets start end action log-status flow-direction tcp-flags');
  for (let i = 0; i < count; i++) {
    const t = T0 + Math.floor(i / 5);
    const egress = random.int(0, 3) === 0;
    const [src, dst] = egress ? [local(), remote()] : random.int(0, 20) === 0 ? [local(), local()] : [remote(), local()];
    const proto = random.pick([6, 6, 6, 17, 17, 1, 58, 50]);
    const sport = random.int(0, 2) === 0 ? random.int(1, 1023) : random.int(1024, 65_535);
    const dport = random.int(0, 2) === 0 ? random.int(32_768, 65_535) : random.pick([22, 80, 443, 8080, 53, 3389, 5005, 2000]);
    const action = random.int(0, 4) === 0 ? 'REJECT' : 'ACCEPT';
    const k = random.int(0, 200);
    let line: string;
    if (custom) {
      const pkt = random.int(0, 5) === 0 ? remote() : '-';
      const dir = random.pick(['ingress', 'egress', '-']);
      line = `5 vpc-0a1b2c3d4e5f60001 123456789012 eni-0a1b2c3d4e5f6000${i % 3} ${pkt} ${src} ${dst} ${sport} ${dport} ${proto} ${random.int(40, 9000)} ${random.int(1, 9)} ${t} ${t + 60} ${action} OK ${dir} ${random.int(0, 31)}`;
    } else line = `2 123456789012 eni-0a1b2c3d4e5f6000${i % 3} ${src} ${dst} ${sport} ${dport} ${proto} ${random.int(1, 40)} ${random.int(40, 90_000)} ${t} ${t + 60} ${action} OK`;
    if (k === 0 && !custom) line = `2 123456789012 eni-0a1b2c3d4e5f60001 2001:db8::${random.int(1, 99)} fd00::5 40000 443 6 1 100 ${t} ${t + 60} ACCEPT OK`;
    else if (k === 1) line = 'not a flow log line';
    else if (k === 2) line = line.replace(` ${t} `, ' soon ');
    else if (k === 3 && !custom) line = `2 123456789012 eni-0a1b2c3d4e5f60001 - - - - - - - ${t} ${t + 60} - NODATA`;
    else if (k === 4 && !custom) line = `2 123456789012 eni-0a1b2c3d4e5f60001 - - - - - - - ${t} ${t + 60} - SKIPDATA`;
    else if (k === 5) line = line.replace(' 6 ', ' 06 ');
    lines.push(line);
    if (random.int(0, 30) === 0) lines.push(lines[Math.max(custom ? 1 : 0, lines.length - 1 - random.int(0, 40))] as string); // redelivered, within the window
  }
  return `${lines.join(random.int(0, 1) ? '\n' : '\r\n')}\n`;
}

const engines = async (paths: string[], rules: NormalizedRule[], options: IngestOptions = {}) => {
  const reference = await ingestFlowLogs(paths, rules, { ...options, engine: 'reference' });
  const compiled = await ingestFlowLogs(paths, rules, { ...options, threads: 1 });
  const parallel = await ingestFlowLogs(paths, rules, { ...options, threads: 2, parallelMinBytes: 0 });
  expect(parallel.parallel).toEqual(paths.filter((p) => !p.endsWith('.gz')));
  return { reference: view(reference.usage), compiled: view(compiled.usage), parallel: view(parallel.usage) };
};

describe('the compiled engine counts what the reference engine counts', () => {
  for (const [seed, custom] of [
    [1, false],
    [2, true],
    [3, false],
    [4, true],
  ] as const) {
    it(`random rules and ${custom ? 'custom v5' : 'default v2'} records (seed ${seed}), on one thread and on two`, async () => {
      const rules = randomRules(seed);
      const path = file(`random-${seed}.log`, randomLog(seed, 6000, custom));
      // A 2-minute window: the second range's head (2 windows of log time) is short, so both the
      // worker's own counting and the main thread's re-read of the head are exercised.
      const { reference, compiled, parallel } = await engines([path], rules, { dedupeWindowMs: 120_000, scope: { localCidrs: ['10.0.0.0/16'] } });
      expect(reference.stats.records).toBeGreaterThan(5000);
      expect(reference.stats.duplicates).toBeGreaterThan(50);
      expect(reference.stats.malformed).toBeGreaterThan(10);
      expect(reference.rules.length).toBeGreaterThan(20);
      expect(compiled).toEqual(reference);
      expect(parallel).toEqual(reference);
    });
  }

  it('several files, gzip among them, a file delivered twice, and a scope that every record passes', async () => {
    const rules = randomRules(5);
    const a = randomLog(5, 3000, false);
    const paths = [file('f1.log', a), file('f2.log.gz', randomLog(6, 3000, false)), file('f1-again.log', a)];
    const { reference, compiled, parallel } = await engines(paths, rules, { dedupeWindowMs: 120_000, scope: { accountId: '123456789012', interfaceIds: ['eni-0a1b2c3d4e5f60000', 'eni-0a1b2c3d4e5f60001', 'eni-0a1b2c3d4e5f60002'] } });
    expect(reference.stats.duplicateFiles).toHaveLength(1);
    expect(compiled).toEqual(reference);
    expect(parallel).toEqual(reference);
  });
});

describe('worker-thread ranges', () => {
  const line = (i: number, sport = 40_000 + (i % 1000)) => `2 123456789012 eni-0a1b2c3d4e5f60001 192.0.2.${i % 250} 10.0.1.5 ${sport} 443 6 1 100 ${T0 + i} ${T0 + i + 60} ACCEPT OK`;
  const rules = [rule({ cidrs: ['192.0.2.0/24'] })];

  it('name malformed lines by their line in the file, whichever range they fall in', async () => {
    const lines = Array.from({ length: 4000 }, (_, i) => line(i));
    for (const at of [10, 2500, 3990]) lines[at - 1] = 'x y z';
    const path = file('bad-ranges.log', `${lines.join('\n')}\n`);
    const { usage } = await ingestFlowLogs([path], rules, { threads: 2, parallelMinBytes: 0, dedupeWindowMs: 60_000 });
    expect(usage.stats.malformed).toBe(3);
    expect(usage.stats.malformedSamples.map((s) => s.at)).toEqual(['line 10', 'line 2500', 'line 3990']);
    expect(usage.stats.records).toBe(3997);
  });

  it('catch a redelivery whose copies lie on both sides of a range boundary', async () => {
    const lines = Array.from({ length: 4000 }, (_, i) => line(i));
    // The record just before the middle is delivered again just after it.
    lines.splice(2010, 0, lines[1990] as string);
    const path = file('boundary.log', `${lines.join('\n')}\n`);
    const { usage, parallel } = await ingestFlowLogs([path], rules, { threads: 2, parallelMinBytes: 0, dedupeWindowMs: 60_000 });
    expect(parallel).toEqual([path]);
    expect(usage.stats.duplicates).toBe(1);
    expect(usage.stats.records).toBe(4000);
    expect(usage.rules.get(0)?.hits).toBe(4000);
  });

  it('read a file again on one thread when a header line changes the layout mid-file (a concatenation)', async () => {
    const header = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction';
    const first = Array.from({ length: 2000 }, (_, i) => line(i));
    const second = Array.from({ length: 2000 }, (_, i) => `5 123456789012 eni-0a1b2c3d4e5f60001 10.0.1.5 192.0.2.${i % 250} ${40_000 + i} 443 6 1 100 ${T0 + i} ${T0 + i + 60} ACCEPT OK egress`);
    const path = file('concat.log', `${[...first, header, ...second].join('\n')}\n`);
    const both = [rule({ cidrs: ['192.0.2.0/24'] }), rule({ direction: 'egress', cidrs: ['192.0.2.0/24'], ports: [] })];
    const parallel = await ingestFlowLogs([path], both, { threads: 2, parallelMinBytes: 0 });
    const reference = await ingestFlowLogs([path], both, { engine: 'reference' });
    expect(parallel.parallel).toEqual([]);
    expect(view(parallel.usage)).toEqual(view(reference.usage));
    expect(parallel.usage.rules.get(1)?.hits).toBe(2000);
  });

  it('refuse a log of another account found in any range, naming its line in the file', async () => {
    const lines = Array.from({ length: 4000 }, (_, i) => line(i));
    lines[3000] = (lines[3000] as string).replace('123456789012', '999999999999');
    const path = file('other-account.log', `${lines.join('\n')}\n`);
    const refused = ingestFlowLogs([path], rules, { threads: 2, parallelMinBytes: 0, scope: { accountId: '123456789012' } });
    await expect(refused).rejects.toBeInstanceOf(FlowLogRefused);
    await expect(refused).rejects.toThrow(`${path} (line 3001): this log is for account-id 999999999999, not the target's 123456789012`);
  });
});

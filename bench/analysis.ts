/**
 * Rule analysis at scale (issue 6): analyzeRules on 10,000 and 100,000 rules, and the growth ratio.
 * An n log n analysis grows about 12x from 10k to 100k; all-pairs would grow 100x. Target: under 15x.
 * Run: node bin/run-ts.mjs bench/analysis.ts   (or npx tsx bench/analysis.ts)
 */
import { analyzeRules } from '../src/analysis/index.ts';
import type { NormalizedRule } from '../src/connectors/types.ts';
import { formatCidr } from '../src/net/cidr.ts';
import { randomCidr, seededRandom } from '../src/net/random-cidrs.ts';

const COMMON_PORTS = [22, 53, 80, 443, 1433, 3306, 3389, 5432, 6379, 8080, 8443, 9200, 27017];

/** A realistic mess: clustered, nesting CIDRs (so shadowing and merging happen), mixed actions, some IPv6. */
function ruleSet(n: number, placement: NormalizedRule['placement'], seed: number): NormalizedRule[] {
  const random = seededRandom(seed);
  const v4 = { network: 0x0a000000n, prefix: 8 };
  const v6 = { network: 0x20010db8n << 96n, prefix: 32 };
  return Array.from({ length: n }, (_, i) => {
    const ipv6 = random.next() < 0.1;
    const cidr = ipv6 ? randomCidr(random, 'ipv6', v6, 40, 64) : randomCidr(random, 'ipv4', v4, 12, 32);
    const kind = random.next();
    const port = random.pick(COMMON_PORTS);
    const ports = kind < 0.6 ? [{ from: port, to: port }] : kind < 0.8 ? [{ from: port, to: port + random.int(1, 100) }] : [];
    return {
      direction: random.next() < 0.8 ? 'ingress' : 'egress',
      action: placement === 'sg' || random.next() < 0.7 ? 'allow' : 'deny',
      protocol: kind < 0.9 ? random.pick(['tcp', 'tcp', 'udp'] as const) : 'all',
      ports,
      cidrs: [formatCidr(cidr)],
      priority: placement === 'sg' ? 0 : i + 1,
      placement,
      owned: random.next() < 0.3,
      cloudId: `r-${i}`,
    };
  });
}

function timeIt(rules: NormalizedRule[]): { ms: number; findings: number } {
  analyzeRules(rules.slice(0, 10_000)); // warm up the JIT on the same shape of data
  const runs: number[] = [];
  let findings = 0;
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    findings = analyzeRules(rules).findings.length;
    runs.push(performance.now() - start);
  }
  return { ms: Math.min(...runs), findings };
}

const lines: string[] = ['| rule set | rules | findings | time (best of 5) |', '|---|---:|---:|---:|'];
const ratios: string[] = [];
for (const placement of ['firewall', 'sg'] as const) {
  const small = timeIt(ruleSet(10_000, placement, 1));
  const large = timeIt(ruleSet(100_000, placement, 1));
  const label = placement === 'firewall' ? 'ordered (GCP/Azure/NACL-style priorities, allow+deny)' : 'AWS security group (allow-only, unordered)';
  lines.push(`| ${label} | 10,000 | ${small.findings} | ${small.ms.toFixed(0)} ms |`);
  lines.push(`| ${label} | 100,000 | ${large.findings} | ${large.ms.toFixed(0)} ms |`);
  ratios.push(`${label}: 100k/10k = ${(large.ms / small.ms).toFixed(2)}x (n log n ≈ 12.5x, n² = 100x; target < 15x)`);
}
console.log([...lines, '', ...ratios].join('\n'));

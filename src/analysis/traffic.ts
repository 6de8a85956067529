import type { NormalizedRule, PortRange, RuleChange } from '../connectors/types.ts';
import type { RuleUsage } from '../flowlogs/usage.ts';
import { contains, formatCidr, parseCidr } from '../net/cidr.ts';
import { describeRule, refOf } from './refs.ts';
import type { Finding, TrafficEvidence, TrafficInput } from './types.ts';

const DEFAULT_MIN_DAYS = 14;
/** Most prefixes / ports a narrower rule proposes; beyond that the use is too spread to narrow by hand. */
const MAX_PROPOSED = 32;
const iso = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString());

/**
 * Findings from observed traffic, GCP Firewall Insights' set across three clouds:
 * - `unused`: a rule with no traffic in the window (never judged below the coverage minimum);
 * - `narrowable`: an allow rule whose sources or ports were only partly used (the narrower rule proposed);
 * - `block_effective` / `block_idle`: the service's own blocks with and without traffic (evidence they
 *   work; candidates to expire early);
 * - `deny_hits`: other deny rules that did deny traffic (check it is the traffic meant);
 * - `insufficient_coverage`: the logs are too short for any "unused" verdict.
 * Every finding carries its evidence: counts, first/last seen and the coverage.
 */
export function findTrafficFindings(rules: readonly NormalizedRule[], input: TrafficInput): Finding[] {
  const minDays = input.minCoverageDays ?? DEFAULT_MIN_DAYS;
  const cov = input.usage.coverage();
  const coverage = { from: iso(cov.from), to: iso(cov.to), days: cov.days, gapDays: cov.gapDays, gaps: cov.gaps, minDays };
  const enough = cov.days >= minDays;
  const unevaluable = new Set(input.unevaluable ?? []);
  const findings: Finding[] = [];
  if (!enough) {
    findings.push({
      kind: 'insufficient_coverage',
      severity: 'info',
      rules: [],
      related: [],
      message: `flow logs cover ${cov.days} day(s)${cov.gapDays ? ` with ${cov.gapDays} day(s) missing` : ''}; at least ${minDays} are needed before a rule is called unused, so no unused or narrowable verdicts are given`,
      fix: { action: 'review', detail: `collect at least ${minDays} days of flow logs (or lower --min-coverage-days knowingly)` },
      evidence: evidenceOf(undefined, coverage),
    });
  }
  rules.forEach((rule, i) => {
    if (unevaluable.has(i)) return;
    const u = input.usage.rules.get(i);
    const evidence = evidenceOf(u, coverage);
    const name = describeRule(rules, i);
    const ref = [refOf(rules, i)];
    const seen = u ? `${u.hits} hits, ${u.records} records, ${u.bytes} bytes, last seen ${iso(u.lastSeen)}` : '';
    if (rule.action === 'deny') {
      if (u && rule.owned) {
        findings.push({ kind: 'block_effective', severity: 'info', rules: ref, related: [], message: `${name} denied traffic: ${seen}`, fix: { action: 'review', detail: 'keep it: the block is being hit' }, evidence });
      } else if (u) {
        findings.push({
          kind: 'deny_hits',
          severity: 'low',
          rules: ref,
          related: [],
          message: `${name} denied traffic: ${seen}`,
          fix: { action: 'review', detail: 'check that the denied traffic is the traffic this rule is meant to stop (a deny with hits can also be a broken dependency)' },
          evidence,
        });
      } else if (enough && rule.owned) {
        findings.push({
          kind: 'block_idle',
          severity: 'low',
          rules: ref,
          related: [],
          message: `${name} saw no traffic in ${cov.days} days of logs`,
          fix: { action: 'delete', detail: 'a candidate to expire early (unblock-ip, or cleanup-rules kinds [unused])', ...ownedDelete(rule) },
          evidence,
        });
      } else if (enough) findings.push(unused(rules, i, cov.days, evidence));
      return;
    }
    if (!u) {
      if (enough) findings.push(unused(rules, i, cov.days, evidence));
      return;
    }
    if (!enough || !u.attributesKnown) return;
    const narrower = narrowerRule(rule, u);
    if (narrower) {
      const wide = rule.cidrs.some((c) => c.endsWith('/0'));
      findings.push({
        kind: 'narrowable',
        severity: wide ? 'medium' : 'low',
        rules: ref,
        related: [],
        message: `${name} was only used ${narrower.what} over ${cov.days} days (${seen})`,
        fix: {
          action: 'narrow',
          detail: `replace it with ${narrower.rule.protocol} ${formatPorts(narrower.rule.ports)} from ${narrower.rule.cidrs.join(', ')}; ${rule.owned ? 'cleanup-rules kinds [narrow]' : 'adopt-rules first, then cleanup-rules kinds [narrow]'}`,
          ...(rule.owned ? { changes: [{ op: 'update', before: rule, rule: narrower.rule } satisfies RuleChange], ...(rule.intentIds?.length ? { retractIntents: rule.intentIds } : {}) } : {}),
        },
        evidence,
      });
    }
  });
  return findings;
}

function unused(rules: readonly NormalizedRule[], i: number, days: number, evidence: TrafficEvidence): Finding {
  const rule = rules[i] as NormalizedRule;
  return {
    kind: 'unused',
    severity: rule.action === 'allow' ? 'medium' : 'low',
    rules: [refOf(rules, i)],
    related: [],
    message: `${describeRule(rules, i)} carried no traffic in ${days} days of flow logs`,
    fix: {
      action: 'delete',
      detail: rule.owned ? 'retire it: cleanup-rules kinds [unused]' : 'not ours: adopt-rules names it, then cleanup-rules kinds [unused] retires it through approval',
      ...ownedDelete(rule),
    },
    evidence,
  };
}

const ownedDelete = (rule: NormalizedRule) =>
  rule.owned ? { changes: [{ op: 'delete', rule } satisfies RuleChange], ...(rule.intentIds?.length ? { retractIntents: rule.intentIds } : {}) } : {};

/**
 * The rule cut down to the remote prefixes and ports that were used. Remote prefixes are the used
 * IPv4 /24s (IPv6 /64s) inside each of the rule's CIDRs, or the rule's own CIDR where it is narrower.
 * Ports are narrowed only for tcp/udp rules of a stateful placement (SG, NSG, GCP): NACL ports also
 * carry return traffic on ephemeral ports, which the logs show only for the connections seen.
 */
function narrowerRule(rule: NormalizedRule, u: RuleUsage): { rule: NormalizedRule; what: string } | undefined {
  // A rule that carried return legs (NACL ephemeral ranges, allow-all egress) serves every client.
  if (rule.sourceGroup || !rule.cidrs.length || u.responses > 0) return undefined;
  const used: string[] = [];
  let narrowedCidrs = false;
  if (!u.remotesTruncated) {
    const remotes = [
      ...[...u.remotes4.keys()].map((ip) => `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.0/24`),
      ...u.remotes6.keys(),
    ];
    for (const text of rule.cidrs) {
      const cidr = parseCidr(text, { hostBits: 'mask' });
      const limit = cidr.family === 'ipv4' ? 24 : 64;
      const inside = remotes.filter((r) => {
        const rc = parseCidr(r);
        return rc.family === cidr.family && (contains(cidr, rc) || contains(rc, cidr));
      });
      if (!inside.length) {
        narrowedCidrs = true; // this CIDR of the rule was not used at all
        continue;
      }
      if (cidr.prefix >= limit) used.push(text);
      else {
        used.push(...inside);
        narrowedCidrs = true;
      }
    }
  }
  const cidrs = narrowedCidrs ? [...new Set(used)] : rule.cidrs;
  let ports = rule.ports;
  const statefulPorts = rule.placement !== 'nacl' && (rule.protocol === 'tcp' || rule.protocol === 'udp') && !u.portsTruncated;
  if (statefulPorts && u.ports.size) {
    const allowed = rule.ports.length ? rule.ports.reduce((n, p) => n + p.to - p.from + 1, 0) : 65_536;
    if (u.ports.size < allowed && u.ports.size <= MAX_PROPOSED) ports = rangesOf([...u.ports.keys()]);
  }
  const portsNarrowed = ports !== rule.ports;
  if ((!narrowedCidrs || cidrs.length > MAX_PROPOSED || !cidrs.length) && !portsNarrowed) return undefined;
  const finalCidrs = narrowedCidrs && cidrs.length && cidrs.length <= MAX_PROPOSED ? cidrs : rule.cidrs;
  if (finalCidrs === rule.cidrs && !portsNarrowed) return undefined;
  const parts = [
    finalCidrs !== rule.cidrs ? `from ${finalCidrs.length} prefix(es) (${finalCidrs.slice(0, 5).join(', ')}${finalCidrs.length > 5 ? ', ...' : ''})` : '',
    portsNarrowed ? `on ${formatPorts(ports)}` : '',
  ].filter(Boolean);
  return {
    rule: { ...rule, cidrs: finalCidrs.map((c) => formatCidr(parseCidr(c, { hostBits: 'mask' }))), ports, cloudId: rule.cloudId, owned: rule.owned },
    what: parts.join(' and '),
  };
}

function rangesOf(ports: number[]): PortRange[] {
  const sorted = [...ports].sort((a, b) => a - b);
  const out: PortRange[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last && last.to + 1 === p) last.to = p;
    else out.push({ from: p, to: p });
  }
  return out;
}

const formatPorts = (ports: PortRange[]) => (ports.length ? ports.map((p) => (p.from === p.to ? `${p.from}` : `${p.from}-${p.to}`)).join(',') : 'all ports');

function evidenceOf(u: RuleUsage | undefined, coverage: TrafficEvidence['coverage']): TrafficEvidence {
  if (!u) return { hits: 0, records: 0, bytes: 0, packets: 0, ambiguousRecords: 0, coverage };
  const remotes = [
    ...[...u.remotes4].map(([ip, n]) => ({ prefix: `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.0/24`, records: n })),
    ...[...u.remotes6].map(([prefix, n]) => ({ prefix, records: n })),
  ].sort((a, b) => b.records - a.records);
  const ports = [...u.ports].map(([port, n]) => ({ port, records: n })).sort((a, b) => b.records - a.records);
  return {
    hits: u.hits,
    records: u.records,
    bytes: u.bytes,
    packets: u.packets,
    firstSeen: iso(u.firstSeen),
    lastSeen: iso(u.lastSeen),
    ambiguousRecords: u.ambiguous,
    ...(u.attributesKnown ? { topRemotes: remotes.slice(0, 10), distinctRemotes: remotes.length } : {}),
    ...(ports.length ? { topPorts: ports.slice(0, 10), distinctPorts: ports.length } : {}),
    coverage,
  };
}

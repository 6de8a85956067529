import { describe, expect, it } from 'vitest';
import { analyzeRules } from '../../src/analysis/index.ts';
import type { Finding } from '../../src/analysis/types.ts';
import type { NormalizedRule } from '../../src/connectors/types.ts';
import { rule } from './rules.ts';

const kinds = (rules: NormalizedRule[], only?: Finding['kind'][]) =>
  analyzeRules(rules)
    .findings.filter((f) => !only || only.includes(f.kind))
    .map((f) => `${f.kind}:${f.rules.map((r) => r.cloudId).join('+')}<${f.related.map((r) => r.cloudId).sort().join('+')}`)
    .sort();

const ANOMALIES: Finding['kind'][] = ['duplicate', 'shadowed', 'redundant', 'correlated', 'generalization'];

describe('ordered placements (GCP/Azure priority, NACL rule number)', () => {
  it('finds a rule shadowed only by the union of two earlier rules (neither covers it alone)', () => {
    const rules = [
      rule({ cloudId: 'deny-low', priority: 100, action: 'deny', cidrs: ['10.0.0.0/25'] }),
      rule({ cloudId: 'deny-high', priority: 110, action: 'deny', cidrs: ['10.0.0.128/25'] }),
      rule({ cloudId: 'allow-24', priority: 200, cidrs: ['10.0.0.0/24'] }),
    ];
    expect(kinds(rules, ANOMALIES)).toEqual(['shadowed:allow-24<deny-high+deny-low']);
  });

  it('finds a rule covered by the union of earlier rules over ports as well as addresses', () => {
    const rules = [
      rule({ cloudId: 'low-ports', priority: 100, ports: [{ from: 1, to: 1000 }], cidrs: ['10.0.0.0/16'] }),
      rule({ cloudId: 'high-ports', priority: 110, ports: [{ from: 1001, to: 2000 }], cidrs: ['10.0.0.0/8'] }),
      rule({ cloudId: 'inside', priority: 120, ports: [{ from: 900, to: 1100 }], cidrs: ['10.0.5.0/24'] }),
    ];
    expect(kinds(rules, ANOMALIES)).toEqual(['redundant:inside<high-ports+low-ports']);
  });

  it('does not flag a rule the union covers except one address', () => {
    const rules = [
      rule({ cloudId: 'a', priority: 100, action: 'deny', cidrs: ['10.0.0.0/25'] }),
      rule({ cloudId: 'b', priority: 110, action: 'deny', cidrs: ['10.0.0.128/26', '10.0.0.192/27', '10.0.0.224/28', '10.0.0.240/29', '10.0.0.248/30', '10.0.0.252/31', '10.0.0.254/32'] }),
      rule({ cloudId: 'c', priority: 200, cidrs: ['10.0.0.0/24'] }),
    ];
    expect(kinds(rules, ['shadowed', 'redundant'])).toEqual([]);
    expect(kinds(rules, ['correlated', 'generalization'])).toEqual(['generalization:c<a+b']);
  });

  it('respects the order: the same pair the other way round is a generalization, not shadowing', () => {
    const narrowDenyFirst = [
      rule({ cloudId: 'deny-host', priority: 100, action: 'deny', cidrs: ['10.0.0.7/32'] }),
      rule({ cloudId: 'allow-net', priority: 200, cidrs: ['10.0.0.0/24'] }),
    ];
    expect(kinds(narrowDenyFirst, ANOMALIES)).toEqual(['generalization:allow-net<deny-host']);
    const wideAllowFirst = [
      rule({ cloudId: 'allow-net', priority: 100, cidrs: ['10.0.0.0/24'] }),
      rule({ cloudId: 'deny-host', priority: 200, action: 'deny', cidrs: ['10.0.0.7/32'] }),
    ];
    expect(kinds(wideAllowFirst, ANOMALIES)).toEqual(['shadowed:deny-host<allow-net']);
  });

  it('reports partial overlap with the opposite action as correlated', () => {
    const rules = [
      rule({ cloudId: 'deny-ports', priority: 100, action: 'deny', ports: [{ from: 400, to: 500 }], cidrs: ['10.0.0.0/24'] }),
      rule({ cloudId: 'allow-wide', priority: 200, ports: [{ from: 443, to: 600 }], cidrs: ['10.0.0.0/16'] }),
    ];
    expect(kinds(rules, ANOMALIES)).toEqual(['correlated:allow-wide<deny-ports']);
  });

  it('GCP: at equal priority a deny is evaluated first', () => {
    const rules = [
      rule({ cloudId: 'allow', priority: 1000, cidrs: ['0.0.0.0/0'], ports: [{ from: 80, to: 80 }] }),
      rule({ cloudId: 'deny', priority: 1000, action: 'deny', cidrs: ['0.0.0.0/0'], ports: [{ from: 80, to: 80 }] }),
    ];
    expect(kinds(rules, ANOMALIES)).toEqual(['shadowed:allow<deny']);
  });

  it('NACL: ascending rule numbers, whatever the input order', () => {
    const rules = [
      rule({ cloudId: 'ingress:200', placement: 'nacl', priority: 200, action: 'deny', cidrs: ['198.51.100.0/24'] }),
      rule({ cloudId: 'ingress:100', placement: 'nacl', priority: 100, cidrs: ['198.51.100.0/22'] }),
    ];
    expect(kinds(rules, ANOMALIES)).toEqual(['shadowed:ingress:200<ingress:100']);
  });

  it('finds a rule redundant whatever the order when no opposite rule touches it', () => {
    const rules = [
      rule({ cloudId: 'narrow', priority: 100, cidrs: ['10.0.0.0/24'] }),
      rule({ cloudId: 'deny-ssh', priority: 150, action: 'deny', ports: [{ from: 22, to: 22 }], cidrs: ['10.0.0.0/16'] }),
      rule({ cloudId: 'wide', priority: 200, cidrs: ['10.0.0.0/16'] }),
    ];
    expect(kinds(rules, ANOMALIES)).toEqual(['redundant:narrow<wide']);
  });

  it('keeps a narrow allow that an opposite rule between them makes meaningful', () => {
    const rules = [
      rule({ cloudId: 'narrow', priority: 100, cidrs: ['10.0.0.0/24'] }),
      rule({ cloudId: 'deny', priority: 150, action: 'deny', cidrs: ['10.0.0.0/20'] }),
      rule({ cloudId: 'wide', priority: 200, cidrs: ['10.0.0.0/16'] }),
    ];
    expect(kinds(rules, ['redundant', 'shadowed'])).toEqual([]);
  });

  it('works on IPv6 and keeps the address families apart', () => {
    const rules = [
      rule({ cloudId: 'v6-wide', priority: 100, cidrs: ['2001:db8::/32'] }),
      rule({ cloudId: 'v6-narrow', priority: 110, cidrs: ['2001:db8:1::/48'] }),
      rule({ cloudId: 'v4-any', priority: 120, action: 'deny', cidrs: ['0.0.0.0/0'] }),
    ];
    expect(kinds(rules, ANOMALIES)).toEqual(['redundant:v6-narrow<v6-wide']);
  });

  it('treats protocol "all" as covering tcp, udp and icmp, not the other way round', () => {
    const rules = [
      rule({ cloudId: 'tcp', priority: 100, protocol: 'tcp', ports: [], cidrs: ['10.0.0.0/8'] }),
      rule({ cloudId: 'udp', priority: 110, protocol: 'udp', ports: [], cidrs: ['10.0.0.0/8'] }),
      rule({ cloudId: 'icmp', priority: 120, protocol: 'icmp', ports: [], cidrs: ['10.0.0.0/8'] }),
      rule({ cloudId: 'all', priority: 130, protocol: 'all', ports: [], cidrs: ['10.0.0.0/8'] }),
      rule({ cloudId: 'tcp-again', priority: 140, protocol: 'tcp', ports: [{ from: 22, to: 22 }], cidrs: ['10.1.0.0/16'] }),
    ];
    // tcp, udp and icmp each lie inside "all" with no deny anywhere; tcp-again is first-matched by tcp.
    expect(kinds(rules, ANOMALIES)).toEqual(['redundant:icmp<all', 'redundant:tcp-again<tcp', 'redundant:tcp<all', 'redundant:udp<all']);
  });

  it('reports exact duplicates once, keeping the first in evaluation order', () => {
    const rules = [
      rule({ cloudId: 'second', priority: 300, cidrs: ['203.0.113.0/24'] }),
      rule({ cloudId: 'first', priority: 100, cidrs: ['203.0.113.0/24'] }),
    ];
    expect(kinds(rules, ANOMALIES)).toEqual(['duplicate:second<first']);
  });
});

describe('AWS security groups (allow-only, unordered)', () => {
  const sg = (over: Partial<NormalizedRule>) => rule({ placement: 'sg', ...over });

  it('finds a rule covered only by the union of two others, whatever the list order', () => {
    const rules = [
      sg({ cloudId: 'sgr-covered', cidrs: ['10.0.0.0/24'] }),
      sg({ cloudId: 'sgr-low', cidrs: ['10.0.0.0/25'], ports: [{ from: 400, to: 500 }] }),
      sg({ cloudId: 'sgr-high', cidrs: ['10.0.0.128/25'], ports: [{ from: 443, to: 450 }] }),
    ];
    expect(kinds(rules, ANOMALIES)).toEqual(['redundant:sgr-covered<sgr-high+sgr-low']);
  });

  it('flags the narrower of two nested rules, never both of a mutually covering pair', () => {
    const rules = [sg({ cloudId: 'narrow', cidrs: ['10.0.1.0/24'] }), sg({ cloudId: 'wide', cidrs: ['10.0.0.0/16'] })];
    expect(kinds(rules, ANOMALIES)).toEqual(['redundant:narrow<wide']);
  });

  it('never reports order anomalies (there is no order)', () => {
    const rules = [sg({ cloudId: 'a', cidrs: ['10.0.0.0/24'], ports: [{ from: 1, to: 500 }] }), sg({ cloudId: 'b', cidrs: ['10.0.0.0/16'], ports: [{ from: 400, to: 600 }] })];
    expect(kinds(rules, ANOMALIES)).toEqual([]);
  });

  it('treats a source group as its own address space', () => {
    const rules = [
      sg({ cloudId: 'web-all', sourceGroup: 'sg-web', ports: [{ from: 0, to: 65535 }] }),
      sg({ cloudId: 'web-443', sourceGroup: 'sg-web' }),
      sg({ cloudId: 'api-443', sourceGroup: 'sg-api' }),
    ];
    expect(kinds(rules, ANOMALIES)).toEqual(['redundant:web-443<web-all']);
  });
});

import { describe, expect, it } from 'vitest';
import { PlacementChains } from '../reconcile/chains.ts';
import { ConfigError, parseConfig, yamlLineLocator } from './parse.ts';
import { checkConfigRules } from './rules.ts';

const CONNECTORS = `clients:
  - id: soar
    scopes: [block]
    secrets: [{ env: SOAR_SECRET }]
connectors:
  - id: aws-prod
    type: aws-ec2
    region: us-east-1
    targets: [{ id: edge }, { id: core }]
  - id: waf-prod
    type: aws-wafv2
    region: us-east-1
    targets: [{ id: edge }]
  - id: waf-west
    type: aws-wafv2
    region: us-west-2
    targets: [{ id: edge }]
  - id: nfw-other
    type: aws-network-firewall
    region: us-east-1
    accountId: "111122223333"
    targets: [{ id: edge }]
  - id: nfw-prod
    type: aws-network-firewall
    region: us-east-1
    accountId: "444455556666"
    targets: [{ id: edge }]
  - id: cf
    type: cloudflare
    accountId: 0123456789abcdef0123456789abcdef
    targets: [{ id: edge }]
`;

/** The problems `config check` (and start-up) reports for a config with these chains, as "path (line): message". */
function problems(chains: string): string[] {
  const text = `${CONNECTORS}placementChains:\n${chains}`;
  try {
    checkConfigRules(parseConfig(text, 'c.yaml'), 'c.yaml', undefined, yamlLineLocator(text));
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => `${p.path} (${p.line}): ${p.message}`);
  }
}

describe('placementChains in the config', () => {
  it('accepts a chain of points in one account and region, and fills the mode', () => {
    expect(problems('  - { id: edge, points: [aws-prod/edge, waf-prod/edge, nfw-prod/edge] }\n')).toEqual([]);
    const config = parseConfig(`${CONNECTORS}placementChains:\n  - { id: edge, points: [aws-prod/edge, waf-prod/edge] }\n`, 'c.yaml');
    expect(config.placementChains).toEqual([{ id: 'edge', mode: 'overflow', points: ['aws-prod/edge', 'waf-prod/edge'] }]);
  });

  it('refuses a point that names no configured connector or target, with the line', () => {
    expect(problems('  - id: edge\n    points: [aws-prod/edge, waf-nope/edge, waf-prod/gate]\n')).toEqual([
      'placementChains[0].points[1] (34): unknown point waf-nope/edge: no connector "waf-nope" in connectors (have: aws-prod, waf-prod, waf-west, nfw-other, nfw-prod, cf)',
      'placementChains[0].points[2] (34): unknown point waf-prod/gate: connector "waf-prod" has no target "gate" (have: edge)',
    ]);
  });

  it('refuses a point of another region or account, naming both', () => {
    expect(problems('  - { id: edge, points: [aws-prod/edge, waf-west/edge] }\n')).toEqual([
      "placementChains[0].points[1] (33): point waf-west/edge is in aws region us-west-2, but aws-prod/edge (the chain's first point) is in aws region us-east-1: a chain's points must share one account and region",
    ]);
    expect(problems('  - { id: edge, points: [nfw-other/edge, nfw-prod/edge] }\n')[0]).toMatch(
      /point nfw-prod\/edge is in aws account 444455556666 region us-east-1, but nfw-other\/edge \(the chain's first point\) is in aws account 111122223333 region us-east-1/,
    );
    expect(problems('  - { id: edge, points: [aws-prod/edge, cf/edge] }\n')[0]).toMatch(/point cf\/edge is in cloudflare account 0123456789abcdef0123456789abcdef, but aws-prod\/edge .* is in aws region us-east-1/);
  });

  it('refuses a point in two chains, a point twice, duplicate ids, a bad mode and a one-point chain', () => {
    expect(
      problems(
        '  - { id: a, points: [aws-prod/edge, waf-prod/edge] }\n  - { id: b, points: [aws-prod/core, waf-prod/edge, aws-prod/core] }\n  - { id: a, points: [waf-west/edge, waf-west/edge] }\n',
      ).map((p) => p.replace(/ \(\d+\)/, '')),
    ).toEqual([
      'placementChains[1].points[1]: point waf-prod/edge is already in placement chain a; a target belongs to one chain',
      'placementChains[1].points[2]: point aws-prod/core is named twice in this chain',
      'placementChains[2].id: duplicate placement chain id a',
      'placementChains[2].points[1]: point waf-west/edge is named twice in this chain',
    ]);
    expect(() => parseConfig(`${CONNECTORS}placementChains:\n  - { id: a, mode: first, points: [aws-prod/edge, waf-prod/edge] }\n`, 'c.yaml')).toThrow(/mode: overflow .* or all/);
    expect(() => parseConfig(`${CONNECTORS}placementChains:\n  - { id: a, points: [aws-prod/edge] }\n`, 'c.yaml')).toThrow(/at least two points/);
    expect(() => parseConfig(`${CONNECTORS}placementChains:\n  - { id: a, points: [aws-prod, waf-prod/edge] }\n`, 'c.yaml')).toThrow(/<connector id>\/<target id>/);
  });
});

describe('which blocks a chain places', () => {
  const chains = new PlacementChains([
    { id: 'edge', mode: 'overflow', points: ['aws-prod/edge', 'waf-prod/edge'] },
    { id: 'core', mode: 'all', points: ['aws-prod/core', 'nfw-prod/edge'], playbooksOnly: ['block-feed'] },
  ]);
  it('blocks on the head (only), of the playbooks it is limited to, or of a playbook that names it', () => {
    expect(chains.forBlock({ name: 'block-ip' }, 'aws-prod', 'edge')).toBe('edge');
    expect(chains.forBlock({ name: 'block-ip' }, 'waf-prod', 'edge')).toBeUndefined();
    expect(chains.forBlock({ name: 'block-ip' }, 'aws-prod', 'core')).toBeUndefined();
    expect(chains.forBlock({ name: 'block-feed' }, 'aws-prod', 'core')).toBe('core');
    expect(chains.forBlock({ name: 'block-other', chain: 'core' }, 'aws-prod', 'core')).toBe('core');
    expect(chains.forBlock({ name: 'block-ip', chain: 'core' }, 'aws-prod', 'edge')).toBeUndefined();
    expect(chains.ofPoint('nfw-prod', 'edge')?.id).toBe('core');
    expect(chains.headedBy('nfw-prod', 'edge')).toBeUndefined();
  });
});

import type { NormalizedRule } from '../../src/connectors/types.ts';

/** A deny rule in the test band; tests override what they are about. */
export function denyRule(overrides: Partial<NormalizedRule> = {}): NormalizedRule {
  return {
    direction: 'ingress',
    action: 'deny',
    protocol: 'all',
    ports: [],
    cidrs: ['203.0.113.7/32'],
    priority: 1000,
    placement: 'firewall',
    owned: true,
    ...overrides,
  };
}

import type { NormalizedRule } from '../../src/connectors/types.ts';

/** A hand-built rule: tcp/443 ingress allow unless overridden. */
export const rule = (over: Partial<NormalizedRule>): NormalizedRule => ({
  direction: 'ingress',
  action: 'allow',
  protocol: 'tcp',
  ports: [{ from: 443, to: 443 }],
  cidrs: [],
  priority: 0,
  placement: 'firewall',
  owned: false,
  ...over,
});

import type { ConnectorLimits } from '../connectors/types.ts';
import type { RuleMatch } from './packing-match.ts';

/** Shared test inputs for the packing and plan tests (not used at runtime). */
export const testLimits = (overrides: Partial<ConnectorLimits> = {}): ConnectorLimits => ({
  supportsDeny: true,
  supportsIpv6: true,
  maxRulesPerDirection: 10,
  maxPrefixesPerRule: 3,
  maxPrefixesPerTarget: Number.POSITIVE_INFINITY,
  priorityBand: { from: 100, to: 199 },
  mixesAddressFamilies: false,
  ...overrides,
});

export const denyIn: RuleMatch = { direction: 'ingress', action: 'deny', protocol: 'all', ports: [], placement: 'nsg' };
export const allowHttps: RuleMatch = {
  direction: 'ingress',
  action: 'allow',
  protocol: 'tcp',
  ports: [{ from: 443, to: 443 }],
  placement: 'nsg',
};


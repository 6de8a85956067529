/**
 * The playbooks, connectors, policy and reconciler of the real service, built over a TestApp's own
 * store and clock (createTestApp's `runtime` option), so edge suites can call the real routes
 * (runs, approvals, connector checks, analysis) next to the test routes. Connectors are the real
 * ones; their SDK traffic reaches the simulators through the caller's msw server.
 */
import { resolve } from 'node:path';
import { loadConnectorRegistry } from '../../connectors/index.ts';
import { parseConfig } from '../../src/config/parse.ts';
import type { ClientConfig } from '../../src/config/schema.ts';
import { buildConnectors } from '../../src/connectors/build.ts';
import { loadPlaybooks } from '../../src/playbooks/load.ts';
import { loadApprovalPolicy } from '../../src/policy/index.ts';
import { Reconciler } from '../../src/reconcile/reconciler.ts';
import type { Clock, Logger } from '../../src/platform.ts';
import type { Runtime } from '../../src/services.ts';
import type { Store } from '../../src/store/types.ts';
import { DEFAULT_CLIENTS, DEFAULT_ENV, SECRETS } from './app.ts';
import { e2eConfigText } from './e2e.ts';

const registry = await loadConnectorRegistry();

/** Builds the runtime as src/compose.ts does, from the e2e config (connectors aws-, azure-, gcp-sandbox). */
export function simulatedRuntime(deps: { store: Store; clock: Clock; log: Logger }): Runtime {
  const config = parseConfig(e2eConfigText('/nonexistent-unused'), 'runtime.config.yaml');
  const { connectors, catalog } = buildConnectors(config, registry, { clock: deps.clock, log: deps.log, secrets: { env: () => undefined } });
  const playbooks = loadPlaybooks(resolve(config.playbooksDir), catalog);
  const policy = loadApprovalPolicy(resolve(config.playbooksDir), config.tiers, playbooks);
  return {
    playbooks,
    connectors,
    ...(policy ? { policy } : {}),
    catalog,
    tiers: config.tiers,
    reconciler: new Reconciler({ store: deps.store, connectors, clock: deps.clock, log: deps.log }),
    approvalTtlMs: config.approvals.expireAfterHours * 3_600_000,
  };
}

/**
 * The test clients plus the ones the real routes need: `soar` may also request allows (runs that
 * wait for approval), `approver` decides them (four eyes), `operator` is the admin.
 */
export const RUNTIME_CLIENTS: ClientConfig[] = [
  ...DEFAULT_CLIENTS.map((c) => (c.id === 'soar' ? { ...c, scopes: [...c.scopes, 'allow' as const] } : c)),
  { id: 'approver', scopes: ['approve', 'runs:read'], secrets: [{ env: 'APPROVER_SECRET' }], tokens: [] },
  { id: 'operator', scopes: ['admin'], secrets: [{ env: 'OPERATOR_SECRET' }], tokens: [] },
];

export const RUNTIME_ENV: Record<string, string> = {
  ...DEFAULT_ENV,
  APPROVER_SECRET: SECRETS.approver,
  OPERATOR_SECRET: SECRETS.operator,
};

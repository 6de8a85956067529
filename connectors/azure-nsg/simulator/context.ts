import type { FaultInjector } from './faults.ts';
import type { OperationTracker } from './operations.ts';
import type { AzureState } from './state.ts';

/** What a route handler needs about the simulator and the request being answered. */
export interface SimContext {
  state: AzureState;
  operations: OperationTracker;
  faults: FaultInjector;
  /** Origin of the request ("https://management.azure.com" or the sandbox's http://127.0.0.1:PORT). */
  origin: string;
  apiVersion: string;
  retryAfterSeconds: number;
  /** In-progress polls each new operation answers before finishing. */
  slowPolls: number;
  quotas: { rulesPerNsg: number; prefixesPerNsg: number };
  pageSize: number;
  /** Writes refused because another write held the NSG. */
  stats: { overlaps: number };
  /** The role's Actions when the simulator checks authorization (undefined: every call is authorized). */
  roleActions?: readonly string[];
}

export function operationUrls(ctx: SimContext, operationId: string): { asyncOperation: string; location: string } {
  const base = `${ctx.origin}/subscriptions/${ctx.state.subscriptionId}/providers/Microsoft.Network/locations/${ctx.state.location}`;
  const query = `?api-version=${encodeURIComponent(ctx.apiVersion)}`;
  return {
    asyncOperation: `${base}/operations/${operationId}${query}`,
    location: `${base}/operationResults/${operationId}${query}`,
  };
}

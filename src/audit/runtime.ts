/**
 * The audit parts an entry point adds to the app's services: the checkpoint signer, built from the
 * config's `audit.signingKey` once the store is open (see src/audit/tasks.ts).
 */
import type { Services } from '../services.ts';
import type { CheckpointSigner } from './checkpoint.ts';
import type { CheckpointLog } from './checkpointer.ts';
import type { CloudLookup } from './ocsf.ts';

export interface AuditRuntime {
  /** Absent when no audit.signingKey is configured: no checkpoints can be made, the chain still verifies. */
  signer?: CheckpointSigner;
  /** The cloud (provider, region, account) of each connector, for the OCSF cloud profile. */
  clouds?: CloudLookup;
  /** The append-only copy of the checkpoints next to the database (Node). */
  checkpointLog?: CheckpointLog;
  /** How often checkpoints are signed: verify expects every older event to be covered. */
  checkpointIntervalMs?: number;
}

export function attachAuditRuntime(services: Services, runtime: AuditRuntime): void {
  services.audit = runtime;
}

export function auditRuntimeOf(services: Services): AuditRuntime {
  return services.audit ?? {};
}

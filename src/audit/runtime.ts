/**
 * The audit parts an entry point composes into the app's services before building them: the
 * checkpoint signer from the config's `audit.signingKey`, the connectors' clouds for OCSF, the
 * checkpoint file. Services are complete when composed; nothing attaches these afterwards.
 */
import type { Config } from '../config/schema.ts';
import { type SecretSource, resolveSecret } from '../config/secret.ts';
import { type CheckpointSigner, importCheckpointSigner } from './checkpoint.ts';
import type { CheckpointLog } from './checkpointer.ts';
import { cloudLookup } from './ocsf-cloud.ts';
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

/** Imports the signing key (from config, or the sandbox's generated key) and gathers the rest. */
export async function loadAuditRuntime(options: {
  config: Config['audit'];
  secrets: SecretSource;
  /** The connectors' config blocks, for the OCSF cloud profile of their events. */
  connectors?: Config['connectors'];
  /** The signing key's text when it does not come from config (the sandbox's generated key). */
  signingKeyText?: string;
  /** The copy of the checkpoints outside the database (src/audit/checkpoint-file.ts). */
  checkpointLog?: CheckpointLog;
}): Promise<AuditRuntime> {
  const { config } = options;
  let signer: CheckpointSigner | undefined;
  if (config?.signingKey || options.signingKeyText) {
    try {
      signer = await importCheckpointSigner(options.signingKeyText ?? resolveSecret(config?.signingKey as NonNullable<NonNullable<typeof config>["signingKey"]>, options.secrets));
    } catch (error) {
      throw new Error(`audit.signingKey: ${(error as Error).message}`);
    }
  }
  return {
    ...(signer ? { signer } : {}),
    ...(options.connectors ? { clouds: cloudLookup(options.connectors) } : {}),
    ...(options.checkpointLog ? { checkpointLog: options.checkpointLog } : {}),
    checkpointIntervalMs: (config?.checkpointIntervalSeconds ?? 3600) * 1000,
  };
}

export function auditRuntimeOf(services: { audit?: AuditRuntime }): AuditRuntime {
  return services.audit ?? {};
}

/**
 * The audit parts an entry point adds to the app's services: the checkpoint signer. Services
 * (src/services.ts) has no field for it yet, so entry points attach it to the services object here and
 * the routes look it up. When Services gains an `audit` field, this file becomes that field.
 */
import type { Services } from '../services.ts';
import type { CheckpointSigner } from './checkpoint.ts';

export interface AuditRuntime {
  /** Absent when no audit.signingKey is configured: no checkpoints can be made, the chain still verifies. */
  signer?: CheckpointSigner;
}

const attached = new WeakMap<Services, AuditRuntime>();

export function attachAuditRuntime(services: Services, runtime: AuditRuntime): void {
  attached.set(services, runtime);
}

export function auditRuntimeOf(services: Services): AuditRuntime {
  return attached.get(services) ?? {};
}

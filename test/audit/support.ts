/** Shared pieces of the audit tests: keys made with node:crypto (not the code under test), events, reads. */
import { generateKeyPairSync } from 'node:crypto';
import { type CheckpointSigner, importCheckpointSigner } from '../../src/audit/checkpoint.ts';
import type { AuditEventInput } from '../../src/audit/types.ts';
import type { Store } from '../../src/store/types.ts';
import { TOKENS, type TestApp } from '../support/app.ts';

export function ed25519Pems(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export async function testSigner(): Promise<{ signer: CheckpointSigner; privatePem: string; publicPem: string }> {
  const pems = ed25519Pems();
  return { signer: await importCheckpointSigner(pems.privatePem), ...pems };
}

const CLIENTS = ['soar', 'tines', 'xsoar'];

/** A varied event: clients, playbooks, runs, targets and outcomes rotate with i. */
export function sampleEvent(i: number, over: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    action: ['run.accepted', 'cloud.operation', 'request.refused', 'intent.expired'][i % 4] as string,
    outcome: (['success', 'success', 'refused', 'failure'] as const)[i % 4] ?? 'success',
    clientId: CLIENTS[i % 3],
    playbook: i % 2 ? 'block-ip' : 'quarantine-host',
    runId: `run_${Math.floor(i / 5)}`,
    target: `aws-prod/sg-${i % 2}`,
    detail: { i, note: 'x|y=z\\n' },
    ...over,
  };
}

export async function appendEvents(store: Store, n: number, perCommit = 1, start = 0): Promise<void> {
  for (let i = start; i < start + n; i += perCommit) {
    await store.commit({ audit: Array.from({ length: Math.min(perCommit, start + n - i) }, (_, k) => sampleEvent(i + k)) });
  }
}

/** GET with the auditor's bearer token (scope audit:read). */
export function auditorGet(t: TestApp, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(t.app.request(path, { headers: { authorization: `Bearer ${TOKENS.auditor}`, ...headers } }));
}

export function nextPath(res: Response): string {
  const match = /^<([^>]+)>; rel="next"$/.exec(res.headers.get('link') ?? '');
  if (!match?.[1]) throw new Error(`no Link rel=next in ${res.headers.get('link')}`);
  return match[1];
}

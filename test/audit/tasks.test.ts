/** The Node wiring: the key from config (a secret reference), the periodic checkpoint, retention by age. */
import { expect, it } from 'vitest';
import { auditRuntimeOf, loadAuditRuntime } from '../../src/audit/runtime.ts';
import { startAuditTasks } from '../../src/audit/tasks.ts';
import { verifyStore } from '../../src/audit/verify-store.ts';
import { createTestApp } from '../support/app.ts';
import { appendEvents, ed25519Pems } from './support.ts';

it('imports the key from an env reference, checkpoints on tick, prunes by age, and the chain still verifies', async () => {
  const { privatePem } = ed25519Pems();
  const config = { signingKey: { env: 'AUDIT_KEY' }, checkpointIntervalSeconds: 60, retentionDays: 1 };
  const audit = await loadAuditRuntime({ config, secrets: { env: (name) => (name === 'AUDIT_KEY' ? privatePem : undefined) } });
  const t = await createTestApp({ audit });
  try {
    const tasks = await startAuditTasks({ services: t.services, config, timers: false });
    expect(auditRuntimeOf(t.services).signer?.keyId).toBe(tasks.signer?.keyId);
    await appendEvents(t.store, 5);
    await tasks.tick();
    expect((await t.store.latestAuditCheckpoint())?.seq).toBe(5);
    t.clock.advance(2 * 86_400_000);
    await appendEvents(t.store, 3, 1, 5);
    await tasks.tick();
    // Each checkpoint is also recorded as an audit.checkpoint event (issue 9 item 16): seq 6 records the
    // checkpoint of 5, 10 that of 9, 11 the retention anchor at 6; events 1..6 were older than a day.
    expect(await verifyStore(t.store, tasks.signer?.verifier)).toMatchObject({ ok: true, firstSeq: 7, lastSeq: 11, signatures: 'verified' });
    expect((await t.store.auditAfter(0, 100)).map((e) => e.action)).toEqual(['cloud.operation', 'request.refused', 'intent.expired', 'audit.checkpoint', 'audit.checkpoint']);
    tasks.stop();
  } finally {
    t.dispose();
  }
});

it('names the config key when the signing key is not an Ed25519 key', async () => {
  await expect(
    loadAuditRuntime({ config: { signingKey: { env: 'K' }, checkpointIntervalSeconds: 60 }, secrets: { env: () => 'not a key' } }),
  ).rejects.toThrow(/^audit\.signingKey: expected a PKCS#8 PEM/);
});

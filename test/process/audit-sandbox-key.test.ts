/**
 * Issue 9, item 16 on real server processes: the sandbox creates its checkpoint signing key in the
 * data directory on first start (mode 0600, public key printed and written beside it) and reuses it;
 * checkpoints deleted from the database while the service is down fail verify after the restart.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanUp, raceTimeout, startServer, tempDir } from '../support/process.ts';
import { DEMO_TOKEN, sandboxConfig } from './sandbox-config.ts';

afterAll(cleanUp);

const get = async (url: string, path: string) =>
  (await (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${DEMO_TOKEN}` } })).json()) as Record<string, unknown>;

describe('the sandbox signs its audit checkpoints', () => {
  it('creates the key on first start, reuses it, and a deleted checkpoint fails verify after a restart', async () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    const first = await startServer({ dir, config: (port) => sandboxConfig(data, port) });
    const keyFile = join(data, 'audit-signing.key');
    expect(existsSync(keyFile)).toBe(true);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const publicPem = readFileSync(join(data, 'audit-signing.pub'), 'utf8');
    expect(publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const keyId = /signed with key ([0-9a-f]{16}) \(created\)/.exec(first.stdout())?.[1];
    expect(keyId, first.output().slice(-2000)).toBeDefined();
    expect(first.stdout()).toContain(publicPem.split('\n')[1]);

    const listed = (await get(first.url, '/v1/audit/checkpoints')) as { public_key: { key_id: string } | null; checkpoints: { seq: number }[] };
    expect(listed.public_key?.key_id).toBe(keyId);
    expect(listed.checkpoints.length).toBeGreaterThanOrEqual(1);
    expect(await get(first.url, '/v1/audit/verify')).toMatchObject({ ok: true, signatures: 'verified' });
    expect(readFileSync(join(data, 'audit-checkpoints.jsonl'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(1);

    first.process.kill('SIGTERM');
    await raceTimeout(first.exited, 10_000, () => 'the first server did not stop');
    const db = new DatabaseSync(join(data, 'portcullis.db'));
    db.prepare('DELETE FROM audit_checkpoints').run();
    db.close();

    const second = await startServer({ dir, config: (port) => sandboxConfig(data, port) });
    expect(second.stdout()).toContain(`signed with key ${keyId} (reused)`);
    const report = (await get(second.url, '/v1/audit/verify')) as { ok: boolean; fault: { reason: string; detail: string } | null };
    expect(report.ok).toBe(false);
    expect(report.fault?.reason).toBe('checkpoint_missing');
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type E2E, startE2E } from '../support/e2e.ts';
import { toOcsf } from '../../src/audit/ocsf.ts';

/**
 * Every cloud change in the audit log names the run that asked for it, so a SIEM can follow a call to
 * the cloud operations it caused (issue 9, item 18: cloud.operation and host.* events were unlinked).
 */
describe('audit events link cloud work to its run', () => {
  let e: E2E;
  beforeEach(async () => {
    e = await startE2E();
  });
  afterEach(async () => {
    await e.close();
  });

  it('cloud.operation events of a block carry its run id, in the stored event and in OCSF', async () => {
    const { run } = await e.run('block-ip', { indicators: '203.0.113.77', ttl: '24h', reason: 'links' });
    expect(run.status).toBe('applied');
    const ops = (await e.services.store.auditAfter(0, 1000)).filter((a) => a.action === 'cloud.operation');
    expect(ops.length).toBeGreaterThanOrEqual(3);
    for (const op of ops) expect(op.run_id).toBe(run.id);
    const ocsf = JSON.stringify(ops.map((op) => toOcsf(op, 'test')));
    expect(ocsf).toContain(run.id);
  });

  it('host.quarantined carries the quarantine run id', async () => {
    const { run } = await e.run('quarantine-host', { host: 'i-0a1b2c3d4e5f60001', connector: 'aws-sandbox', reason: 'links' });
    const hosts = (await e.services.store.auditAfter(0, 1000)).filter((a) => a.action.startsWith('host.'));
    expect(hosts.length).toBe(1);
    expect(hosts[0]?.run_id).toBe(run.id);
  });
});

describe('every key of every recorded event is snake_case (issue 9, item 17)', () => {
  it('after blocks, an allow, a quarantine and a release on the three clouds; signed inputs stay as sent', async () => {
    const e = await startE2E();
    try {
      await e.run('block-ip', { indicators: ['203.0.113.78', '2001:db8:ffff::1'], ttl: '1h', reason: 'naming' });
      await e.run('allow-ingress', { from: 'web', to: 'api', protocol: 'tcp', port: 443 });
      await e.run('quarantine-host', { host: 'i-0a1b2c3d4e5f60001', connector: 'aws-sandbox' });
      await e.run('release-host', { host: 'i-0a1b2c3d4e5f60001', connector: 'aws-sandbox' });
      const events = await e.services.store.auditAfter(0, 5000);
      const bad: string[] = [];
      const walk = (v: unknown, path: string): void => {
        if (Array.isArray(v)) {
          for (const [i, x] of v.entries()) walk(x, `${path}[${i}]`);
        }
        else if (v && typeof v === 'object') {
          for (const [k, x] of Object.entries(v)) {
            if (!/^[a-z0-9_:./-]+$/.test(k)) bad.push(`${path}.${k}`);
            if (k !== 'inputs') walk(x, `${path}.${k}`);
          }
        }
      };
      for (const ev of events) walk(ev, ev.action);
      expect(bad).toEqual([]);
      expect(events.some((ev) => ev.action === 'cloud.operation' && JSON.stringify(ev.detail).includes('"request_id"'))).toBe(true);
    } finally {
      await e.close();
    }
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Ec2Simulator } from '../../connectors/aws-ec2/simulator/index.ts';
import { type E2E, startE2E } from '../support/e2e.ts';

let e: E2E;
beforeEach(async () => {
  e = await startE2E();
});
afterEach(async () => {
  await e.close();
});

const attempts = async () => (await e.services.store.auditAfter(0, 100_000)).filter((a) => a.action === 'host.quarantined');

describe('non-retryable failures stop', () => {
  it('a quarantine of an unknown host fails once with the reason and is not retried on every pass', async () => {
    const { run } = await e.run('quarantine-host', { host: 'i-0000000000000dead', connector: 'aws-sandbox' });
    expect(run.status).toBe('failed');
    expect(run.targets[0]?.errors[0]).toMatch(/InstanceNotFound: .*i-0000000000000dead/);
    expect(await attempts()).toHaveLength(1);

    const calls = (e.sims.aws as Ec2Simulator).actions.length;
    for (let minute = 0; minute < 6; minute++) {
      e.clock.advance(60_000);
      await e.reconciler.healAll();
    }
    expect(await attempts()).toHaveLength(1);
    expect((e.sims.aws as Ec2Simulator).actions.slice(calls).filter((a) => a === 'DescribeNetworkInterfaces')).toEqual([]);
    expect(((await (await e.call('GET', `/v1/runs/${run.id}`)).json()) as { status: string }).status).toBe('failed');

    // Asking again is a new attempt.
    const again = await e.run('quarantine-host', { host: 'i-0000000000000dead', connector: 'aws-sandbox' });
    expect(again.run.status).toBe('failed');
    expect(await attempts()).toHaveLength(2);
  });

  it('a retryable failure is still retried by the next pass', async () => {
    e.sims.aws.controls.failNext(12, 503);
    const { run } = await e.run('quarantine-host', { host: 'i-0a1b2c3d4e5f60001', connector: 'aws-sandbox' });
    expect(run.status).toBe('failed');
    e.clock.advance(60_000);
    await e.reconciler.healAll();
    expect(((await (await e.call('GET', `/v1/runs/${run.id}`)).json()) as { status: string }).status).toBe('applied');
  });
});

/**
 * Issue 17 item 4: signed notifications out, end to end with real `portcullis serve` processes and
 * receivers that verify with the public standardwebhooks library: delivery, redelivery after a
 * receiver outage (same webhook-id), dead letters (listed, in /metrics, audited) and the redeliver
 * endpoint, delivery of what was pending when the service was killed, a Slack-formatted copy, and a
 * receiver that never answers not slowing the edge.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServerProcess, cleanUp, startServer, tempDir, waitFor } from '../support/process.ts';
import { signedInit, testSecret } from '../support/sign.ts';
import { DEMO_SECRET, DEMO_TOKEN, sandboxConfig } from '../process/sandbox-config.ts';
import { type Receiver, startReceiver } from './receiver.ts';

afterAll(cleanUp);

const SECRET = testSecret();
/** An operator client with the admin scope (redelivery), next to the sandbox's demo client. */
const OPS_SECRET = testSecret();
const OPS_CLIENT = `clients:\n  - id: ops\n    scopes: [admin]\n    secrets:\n      - sandboxValue: ${OPS_SECRET}\n`;

function configWith(dataDir: string, port: number, subscriptions: { id: string; url: string; events: string[]; format?: string }[], extra = ''): string {
  const subs = subscriptions
    .map((s) => `    - { id: ${s.id}, url: "${s.url}", events: [${s.events.join(', ')}], format: ${s.format ?? 'standard-webhooks'}, secret: { sandboxValue: "${SECRET}" } }`)
    .join('\n');
  return `${sandboxConfig(dataDir, port).replace('clients:\n', OPS_CLIENT)}
notifications:
  pollIntervalMs: 50
  backoffSeconds: 0.1
  maxBackoffSeconds: 0.4
  maxAttempts: 4
  timeoutMs: 1000
${extra}  subscriptions:
${subs}
`;
}

const block = (server: ServerProcess, indicator: string, extra: Record<string, string> = {}) =>
  fetch(
    `${server.url}/v1/playbooks/block-ip/runs`,
    signedInit({ clientId: 'demo', secret: DEMO_SECRET, body: JSON.stringify({ playbook: 'block-ip', inputs: { indicators: indicator } }), nowMs: Date.now(), headers: extra }),
  );

const read = async <T>(server: ServerProcess, path: string): Promise<T> => {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${DEMO_TOKEN}` } });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (res.headers.get('content-type')?.includes('json') ? res.json() : res.text()) as Promise<T>;
};

const forRun = (r: Receiver, runId: string) => r.deliveries.filter((d) => (d.body.data as { run_id?: string } | undefined)?.run_id === runId || (d.body.portcullis as { data?: { run_id?: string } } | undefined)?.data?.run_id === runId);

describe('signed notifications', () => {
  it('delivers run.applied signed (standardwebhooks verifies it) and a Slack message; redelivers after an outage with the same webhook-id', async () => {
    const soc = await startReceiver(SECRET);
    const slack = await startReceiver(SECRET);
    const dir = tempDir();
    const server = await startServer({
      dir,
      config: (port) =>
        configWith(join(dir, 'data'), port, [
          { id: 'soc', url: soc.url, events: ['run.applied', 'run.failed', 'run.partially_applied', 'run.pending_approval'] },
          { id: 'slack', url: slack.url, events: ['run.applied'], format: 'slack' },
        ]),
    });
    const res = await block(server, '203.0.113.40', { prefer: 'wait=20' });
    const run = (await res.json()) as { id: string; status: string };
    expect(run.status).toBe('applied');
    const [delivery] = await waitFor(() => (forRun(soc, run.id).length ? forRun(soc, run.id) : undefined), { timeoutMs: 15_000, describe: () => JSON.stringify(soc.deliveries) });
    expect(delivery).toMatchObject({ verified: true, body: { type: 'run.applied', data: { run_id: run.id, playbook: 'block-ip', status: 'applied' } } });
    expect(delivery?.id).toMatch(/^msg_/);
    const [message] = await waitFor(() => (forRun(slack, run.id).length ? forRun(slack, run.id) : undefined), { timeoutMs: 15_000, describe: () => JSON.stringify(slack.deliveries) });
    expect(message?.body.text).toBe(':white_check_mark: Run applied · block-ip');
    expect(message?.body.blocks).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'header' })]));

    // Outage: the receiver answers 503; the notification is retried with the same webhook-id until it is back.
    soc.mode = 503;
    const second = (await (await block(server, '203.0.113.41', { prefer: 'wait=20' })).json()) as { id: string };
    await waitFor(() => (forRun(soc, second.id).length >= 2 ? true : undefined), { timeoutMs: 15_000, describe: () => JSON.stringify(soc.deliveries) });
    soc.mode = 200;
    const attempts = await waitFor(() => (forRun(soc, second.id).some((d) => d.answered === 200) ? forRun(soc, second.id) : undefined), {
      timeoutMs: 15_000,
      describe: () => JSON.stringify(soc.deliveries),
    });
    expect(new Set(attempts.map((d) => d.id)).size).toBe(1);
    expect(attempts.every((d) => d.verified)).toBe(true);
    expect(attempts.filter((d) => d.answered === 503).length).toBeGreaterThanOrEqual(2);
    const listed = await read<{ notifications: { id: string; state: string; attempts: number }[] }>(server, '/v1/notifications?state=delivered');
    expect(listed.notifications.find((n) => n.id === attempts[0]?.id)).toMatchObject({ state: 'delivered', attempts: attempts.length });
    await soc.close();
    await slack.close();
  }, 90_000);

  it('dead-letters a permanently failing receiver (listed, in /metrics, audited) and redelivers it on request', async () => {
    const receiver = await startReceiver(SECRET);
    receiver.mode = 500;
    const dir = tempDir();
    const server = await startServer({ dir, config: (port) => configWith(join(dir, 'data'), port, [{ id: 'dead-end', url: receiver.url, events: ['run.applied'] }]) });
    const run = (await (await block(server, '203.0.113.42', { prefer: 'wait=20' })).json()) as { id: string };
    const dead = await waitFor(
      async () => (await read<{ notifications: { id: string; attempts: number; last_status: number }[] }>(server, '/v1/notifications?state=dead')).notifications[0],
      { timeoutMs: 20_000, describe: () => JSON.stringify(receiver.deliveries.map((d) => d.answered)) },
    );
    expect(dead).toMatchObject({ attempts: 4, last_status: 500 });
    expect(forRun(receiver, run.id)).toHaveLength(4);
    expect(await read<string>(server, '/metrics')).toContain('portcullis_notifications{state="dead"} 1');
    const audit = await read<{ events: { action: string; detail: { id: string } }[] }>(server, '/v1/audit/events?action=notification.dead_letter');
    expect(audit.events.map((e) => e.detail.id)).toEqual([dead.id]);

    receiver.mode = 200;
    const body = JSON.stringify({ id: dead.id });
    const again = await fetch(`${server.url}/v1/notifications/${dead.id}/redeliver`, signedInit({ clientId: 'demo', secret: DEMO_SECRET, body, nowMs: Date.now() }));
    // The demo client has no admin scope: redelivery is an operator's act.
    expect(again.status).toBe(403);
    expect(((await again.json()) as { code: string }).code).toBe('scope_denied');
    const redelivered = await fetch(`${server.url}/v1/notifications/${dead.id}/redeliver`, signedInit({ clientId: 'ops', secret: OPS_SECRET, body, nowMs: Date.now() }));
    expect(redelivered.status, await redelivered.clone().text()).toBe(200);
    expect(await redelivered.json()).toMatchObject({ id: dead.id, state: 'pending', attempts: 0 });
    const delivered = await waitFor(() => forRun(receiver, run.id).find((d) => d.answered === 200), { timeoutMs: 15_000, describe: () => JSON.stringify(receiver.deliveries) });
    expect(delivered).toMatchObject({ id: dead.id, verified: true });
    await waitFor(async () => ((await read<string>(server, '/metrics')).includes('portcullis_notifications{state="dead"} 0') ? true : undefined), {
      timeoutMs: 10_000,
      describe: () => 'still dead in /metrics',
    });
    const redeliverAudit = await read<{ events: { detail: { id: string; previous_state: string } }[] }>(server, '/v1/audit/events?action=notification.redeliver');
    expect(redeliverAudit.events.map((e) => e.detail)).toEqual([expect.objectContaining({ id: dead.id, previous_state: 'dead' })]);
    await receiver.close();
  }, 90_000);

  it('delivers what was pending when the service was killed, after restart, with the same webhook-id', async () => {
    const receiver = await startReceiver(SECRET);
    receiver.mode = 503;
    const dir = tempDir();
    const config = (port: number) => configWith(join(dir, 'data'), port, [{ id: 'soc', url: receiver.url, events: ['run.applied'] }]).replace('maxAttempts: 4', 'maxAttempts: 50');
    const first = await startServer({ dir, config });
    const run = (await (await block(first, '203.0.113.43', { prefer: 'wait=20' })).json()) as { id: string };
    await waitFor(() => (forRun(receiver, run.id).length ? true : undefined), { timeoutMs: 15_000, describe: () => 'no attempt' });
    first.process.kill('SIGKILL');
    await first.exited;
    const before = forRun(receiver, run.id).map((d) => d.id);
    receiver.mode = 200;
    await startServer({ dir, config });
    const after = await waitFor(() => (forRun(receiver, run.id).some((d) => d.answered === 200) ? forRun(receiver, run.id) : undefined), {
      timeoutMs: 20_000,
      describe: () => JSON.stringify(receiver.deliveries),
    });
    expect(new Set(after.map((d) => d.id))).toEqual(new Set(before.slice(0, 1)));
    expect(after.filter((d) => d.answered === 200)).toHaveLength(1);
    await receiver.close();
  }, 90_000);

  it('a receiver that never answers does not slow the edge', async () => {
    const receiver = await startReceiver(SECRET);
    receiver.mode = 'hang';
    const dir = tempDir();
    const server = await startServer({ dir, config: (port) => configWith(join(dir, 'data'), port, [{ id: 'slow', url: receiver.url, events: ['run.applied', 'run.pending_approval'] }]).replace('timeoutMs: 1000', 'timeoutMs: 10000') });
    await (await block(server, '203.0.113.44', { prefer: 'wait=20' })).json();
    await waitFor(() => (receiver.deliveries.length ? true : undefined), { timeoutMs: 15_000, describe: () => 'no delivery attempt' });
    // A delivery is now hanging for up to 10 s; the edge answers as fast as ever.
    const times: number[] = [];
    for (const i of [45, 46, 47, 48, 49]) {
      const started = performance.now();
      const res = await block(server, `203.0.113.${i}`);
      expect(res.status).toBe(202);
      times.push(performance.now() - started);
    }
    expect(receiver.deliveries.every((d) => d.answered === 0)).toBe(true);
    expect(Math.max(...times), JSON.stringify(times)).toBeLessThan(2_000);
    await receiver.close();
  }, 90_000);
});

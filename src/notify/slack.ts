import type { Notification } from './events.ts';

/** A Slack incoming-webhook message (Block Kit) for people, from one notification. */
export function slackMessage(n: Notification, links: { baseUrl?: string } = {}): { text: string; blocks: unknown[] } {
  const data = n.data as Record<string, unknown>;
  const run = typeof data.run_id === 'string' ? data.run_id : undefined;
  const title = TITLES[n.type] ?? n.type;
  const facts: string[] = [];
  for (const key of ['playbook', 'client', 'status', 'target', 'detail', 'reason'] as const) {
    if (data[key] !== undefined && data[key] !== null) facts.push(`*${key}:* ${escapeSlack(String(typeof data[key] === 'object' ? JSON.stringify(data[key]) : data[key]))}`);
  }
  if (run) facts.push(`*run:* ${links.baseUrl ? `<${links.baseUrl}/v1/runs/${run}|${run}>` : run}`);
  const text = `${title}${data.playbook ? ` · ${String(data.playbook)}` : ''}`;
  return {
    text: escapeSlack(text),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: text.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: facts.join('\n') || ' ' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `portcullis · ${n.type} · ${n.timestamp}` }] },
    ],
  };
}

const TITLES: Record<string, string> = {
  'run.pending_approval': ':hourglass: A run waits for your approval',
  'run.applied': ':white_check_mark: Run applied',
  'run.failed': ':x: Run failed',
  'run.partially_applied': ':warning: Run partially applied',
  'capacity.exceeded': ':warning: Target capacity exceeded',
  'drift.healed': ':wrench: Drift healed',
  'audit.verify_failed': ':rotating_light: Audit chain verification FAILED',
};

/** Slack mrkdwn control characters (& < >) escaped as its docs ask. */
const escapeSlack = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

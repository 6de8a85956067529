/** `portcullis report changes`: the time-to-secure-deployment report (GET /v1/reports/changes), as text or JSON. */

import type { ChangesReport, Quantiles } from '../metrics/report.ts';
import { connection, get, guard } from './audit.ts';
import { UsageError, defineCommand, oneOf } from './command.ts';

const seconds = (q: Quantiles) => (q.count ? `p50 ${fmt(q.p50)}, p95 ${fmt(q.p95)}, max ${fmt(q.max)} (${q.count} runs)` : 'no runs applied');
const fmt = (s: number | null) => (s === null ? '-' : s < 120 ? `${Math.round(s)}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${(s / 3600).toFixed(1)}h`);
const share = (x: number | null) => (x === null ? '-' : `${Math.round(x * 100)}%`);

export function formatChangesReport(r: ChangesReport): string {
  const lines = [
    `time to secure deployment, ${r.window.since.slice(0, 10)} to ${r.window.until.slice(0, 10)} (${r.window.weeks} weeks)`,
    `  total: ${r.totals.runs_received} received, ${r.totals.runs_applied} applied, auto-approved ${share(r.totals.auto_approved_share)}`,
    `  lead time: ${seconds(r.totals.lead_time_seconds)}`,
    `  approval wait: ${seconds(r.totals.approval_wait_seconds)}`,
    `  backlog: ${r.backlog.pending_approvals} pending approval(s), oldest ${fmt(r.backlog.oldest_age_seconds)}, median ${fmt(r.backlog.median_age_seconds)}`,
    'per week:',
    ...r.weeks.map((w) => `  ${w.week}: ${w.runs_received} received, ${w.runs_applied} applied, auto ${share(w.auto_approved_share)}, lead time ${seconds(w.lead_time_seconds)}`),
    'per connector:',
    ...r.by_connector.map((c) => `  ${c.connector}: ${seconds(c.lead_time_seconds)}`),
  ];
  return lines.join('\n');
}

export const reportChanges = defineCommand(
  {
    name: 'report changes',
    usage: `portcullis report changes [--url URL] [--token-env VAR] [--weeks N] [--format text|json]

  Lead time from call received to applied on every target (p50/p95 per ISO week), the share applied
  without a person, approval wait and the approval backlog: GET /v1/reports/changes.
  --url URL          the service (default: $PORTCULLIS_URL, else http://127.0.0.1:8787)
  --token-env VAR    the environment variable holding a bearer token with runs:read (default PORTCULLIS_TOKEN)
  --weeks N          weeks back, this week included (1-52, default 12)
  --format F         text (default) or json
`,
    options: { url: { type: 'string' }, 'token-env': { type: 'string', default: 'PORTCULLIS_TOKEN' }, weeks: { type: 'string', default: '12' }, format: { type: 'string', default: 'text' } },
  },
  async ({ values }, io) => {
    const format = oneOf('format', values.format, ['text', 'json'] as const) ?? 'text';
    const weeks = Number(values.weeks);
    if (!Number.isInteger(weeks) || weeks < 1 || weeks > 52) throw new UsageError(`--weeks must be a whole number from 1 to 52, not "${values.weeks}"`);
    return guard(
      io,
      async () => {
        const { base, headers } = connection(values, io.env, 'runs:read');
        const url = new URL('/v1/reports/changes', base);
        url.searchParams.set('weeks', String(weeks));
        const report = (await (await get(url.href, headers)).json()) as ChangesReport;
        io.out(format === 'json' ? JSON.stringify(report, null, 2) : formatChangesReport(report));
        return 0;
      },
      'report',
    );
  },
);

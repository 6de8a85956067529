import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api.ts';
import { ErrorBox, Section, Time } from '../components.tsx';
import { useLiveTick } from '../live.ts';

interface Quantiles {
  count: number;
  p50: number | null;
  p95: number | null;
  max: number | null;
}
/** GET /v1/reports/changes (src/metrics/report.ts). */
interface ChangesReport {
  generated_at: string;
  window: { since: string; until: string; weeks: number };
  weeks: { week: string; starts: string; runs_received: number; runs_applied: number; auto_approved_share: number | null; lead_time_seconds: Quantiles }[];
  totals: { runs_received: number; runs_applied: number; auto_approved_share: number | null; lead_time_seconds: Quantiles; approval_wait_seconds: Quantiles };
  by_connector: { connector: string; lead_time_seconds: Quantiles }[];
  backlog: { pending_approvals: number; oldest_age_seconds: number; median_age_seconds: number };
}

/** Seconds in the largest unit that keeps them readable: "42 s", "3.5 min", "2.1 h", "1.5 d". */
export function duration(seconds: number | null): string {
  if (seconds === null) return '–';
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  if (seconds < 3600) return `${Math.round(seconds / 6) / 10} min`;
  if (seconds < 86_400) return `${Math.round(seconds / 360) / 10} h`;
  return `${Math.round(seconds / 8640) / 10} d`;
}

const share = (value: number | null) => (value === null ? '–' : `${Math.round(value * 100)} %`);

/**
 * Time to secure deployment per ISO week: p50 and p95 of the lead time (call received to applied on
 * every target, approval wait included) as paired bars on one scale. Plain SVG, as the backlog chart:
 * a dozen bars do not need a chart library.
 */
function LeadTimeChart({ weeks }: { weeks: ChangesReport['weeks'] }) {
  const top = Math.max(1, ...weeks.map((w) => w.lead_time_seconds.p95 ?? w.lead_time_seconds.p50 ?? 0));
  const height = 160;
  const slot = 64;
  const bar = (value: number | null) => (value === null ? 0 : Math.max(2, (value / top) * height));
  // Drawn at its natural size (a wide viewBox would blow one week's bars up to the page width).
  const width = Math.max(1, weeks.length) * slot + 10;
  return (
    <svg
      class="chart lead-time"
      width={width}
      height={height + 44}
      viewBox={`0 0 ${width} ${height + 44}`}
      role="img"
      aria-label={`Lead time per week, p50 and p95, over ${weeks.length} weeks`}
    >
      {weeks.map((w, i) => {
        const { p50, p95 } = w.lead_time_seconds;
        return (
          <g key={w.week} transform={`translate(${i * slot + 10} 0)`} class="week" data-week={w.week} data-p50={p50 ?? ''} data-p95={p95 ?? ''}>
            <title>{`${w.week}: p50 ${duration(p50)}, p95 ${duration(p95)}; ${w.runs_applied} of ${w.runs_received} runs applied`}</title>
            <rect x="0" y={height + 4 - bar(p50)} width="22" height={bar(p50)} class="chart-bar" rx="2" />
            <rect x="24" y={height + 4 - bar(p95)} width="22" height={bar(p95)} class="chart-bar p95" rx="2" />
            <text x="23" y={height + 20} text-anchor="middle" class="chart-label">
              {w.week.slice(5)}
            </text>
            <text x="23" y={height + 36} text-anchor="middle" class="chart-value">
              {duration(p50)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export function ReportsPage() {
  const tick = useLiveTick();
  const [weeks, setWeeks] = useState(12);
  const [report, setReport] = useState<ChangesReport>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    getJson<ChangesReport>(`/v1/reports/changes?weeks=${weeks}`).then((r) => {
      setReport(r);
      setError(undefined);
    }, setError);
  }, [tick, weeks]);
  return (
    <>
      <Section
        title="Time to secure deployment"
        actions={
          <select value={weeks} onChange={(e) => setWeeks(Number((e.target as HTMLSelectElement).value))} aria-label="weeks">
            {[1, 4, 12, 26, 52].map((n) => (
              <option key={n} value={n}>
                last {n} week{n > 1 ? 's' : ''}
              </option>
            ))}
          </select>
        }
      >
        <ErrorBox error={error} />
        {report && (
          <>
            <div class="totals">
              <div class="total" data-total="lead-p50">
                <span class="muted small">lead time p50</span> <strong>{duration(report.totals.lead_time_seconds.p50)}</strong>
              </div>
              <div class="total" data-total="lead-p95">
                <span class="muted small">p95</span> <strong>{duration(report.totals.lead_time_seconds.p95)}</strong>
              </div>
              <div class="total" data-total="auto">
                <span class="muted small">applied without a person</span> <strong>{share(report.totals.auto_approved_share)}</strong>
              </div>
              <div class="total" data-total="wait">
                <span class="muted small">approval wait p50</span> <strong>{duration(report.totals.approval_wait_seconds.p50)}</strong>
              </div>
              <div class="total" data-total="runs">
                <span class="muted small">runs applied / received</span>{' '}
                <strong>
                  {report.totals.runs_applied} / {report.totals.runs_received}
                </strong>
              </div>
            </div>
            {report.weeks.length ? (
              <>
                <LeadTimeChart weeks={report.weeks} />
                <p class="muted small legend">
                  <span class="swatch" /> p50 <span class="swatch p95" /> p95 per ISO week, from the call to applied on every target (approval wait included).
                  Generated <Time iso={report.generated_at} />.
                </p>
              </>
            ) : (
              <p class="muted">No runs in this window.</p>
            )}
          </>
        )}
      </Section>
      {report && (
        <>
          <Section title="Backlog">
            <div class="totals">
              <div class="total" data-total="pending">
                <span class="muted small">waiting for approval</span> <strong>{report.backlog.pending_approvals}</strong>
              </div>
              <div class="total">
                <span class="muted small">oldest</span> <strong>{duration(report.backlog.oldest_age_seconds)}</strong>
              </div>
              <div class="total">
                <span class="muted small">median age</span> <strong>{duration(report.backlog.median_age_seconds)}</strong>
              </div>
            </div>
          </Section>
          <Section title="Lead time per connector">
            <table class="by-connector">
              <thead>
                <tr>
                  <th>connector</th>
                  <th>targets applied</th>
                  <th>p50</th>
                  <th>p95</th>
                  <th>max</th>
                </tr>
              </thead>
              <tbody>
                {report.by_connector.map((c) => (
                  <tr key={c.connector} data-connector={c.connector}>
                    <td>{c.connector}</td>
                    <td>{c.lead_time_seconds.count}</td>
                    <td>{duration(c.lead_time_seconds.p50)}</td>
                    <td>{duration(c.lead_time_seconds.p95)}</td>
                    <td>{duration(c.lead_time_seconds.max)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
        </>
      )}
    </>
  );
}

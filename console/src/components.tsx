import type { ComponentChildren } from 'preact';
import { ApiProblem } from './api.ts';

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const code = error instanceof ApiProblem ? error.code : 'error';
  return (
    <div class="error" role="alert" data-code={code}>
      <strong>{code}</strong> {error instanceof Error ? error.message : String(error)}
    </div>
  );
}

export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span class="muted">never</span>;
  const d = new Date(iso);
  return <time dateTime={iso} title={iso}>{d.toISOString().replace('T', ' ').slice(0, 19)} UTC</time>;
}

export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

export function State({ value }: { value: string }) {
  return <span class={`state state-${value}`}>{value.replace(/_/g, ' ')}</span>;
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card">
      <header class="card-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** Key/value pairs of a JSON object, compactly. */
export function Fields({ value }: { value: Record<string, unknown> | null | undefined }) {
  if (!value) return null;
  return (
    <dl class="fields">
      {Object.entries(value).map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * The approval backlog by age, as horizontal bars (a few lines of SVG: no chart library for four bars).
 */
export function BacklogChart({ createdAt, now = Date.now() }: { createdAt: string[]; now?: number }) {
  const buckets = [
    { label: '< 1 h', max: 3600 },
    { label: '1–4 h', max: 4 * 3600 },
    { label: '4–12 h', max: 12 * 3600 },
    { label: '12–24 h', max: 24 * 3600 },
    { label: '> 24 h', max: Number.POSITIVE_INFINITY },
  ].map((b) => ({ ...b, count: 0 }));
  for (const iso of createdAt) {
    const s = (now - Date.parse(iso)) / 1000;
    const bucket = buckets.find((b) => s < b.max);
    if (bucket) bucket.count += 1;
  }
  const top = Math.max(1, ...buckets.map((b) => b.count));
  const row = 26;
  return (
    <svg class="chart" viewBox={`0 0 420 ${buckets.length * row + 8}`} role="img" aria-label={`Pending approvals by age: ${createdAt.length} in total`}>
      {buckets.map((b, i) => (
        <g key={b.label} transform={`translate(0 ${i * row + 4})`}>
          <text x="0" y="15" class="chart-label">
            {b.label}
          </text>
          <rect x="70" y="2" height="18" width={Math.max(b.count ? 4 : 0, (b.count / top) * 300)} class="chart-bar" rx="3" />
          <text x={78 + (b.count / top) * 300} y="15" class="chart-value">
            {b.count}
          </text>
        </g>
      ))}
    </svg>
  );
}

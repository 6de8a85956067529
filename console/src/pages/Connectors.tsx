import { useEffect, useState } from 'preact/hooks';
import { type Run, type Session, getJson, postJson } from '../api.ts';
import { ErrorBox, Section, State } from '../components.tsx';

interface Connector {
  id: string;
  type: string;
  targets: string[];
}
interface Capacity {
  rules: number;
  owned: number;
  max_owned_rules_per_direction: number;
  max_prefixes_per_rule: number | null;
}
interface Finding {
  kind: string;
  severity: string;
  message: string;
  rules: { index: number; cloud_id: string | null; owned: boolean }[];
  fix: { action: string; detail: string; retract_intents: string[] };
}
interface Analysis {
  connector: string;
  target: string;
  rules: number;
  capacity: Record<string, Capacity>;
  findings: Finding[];
}
interface Check {
  ok: boolean;
  targets: { target: string; ok: boolean; checks: { name: string; ok: boolean; detail?: string }[] }[];
}

const CLEANUP_KINDS = ['duplicate', 'redundant', 'expired', 'shadowed'];

function useConnectors() {
  const [connectors, setConnectors] = useState<Connector[]>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    getJson<{ connectors: Connector[] }>('/v1/connectors').then((r) => setConnectors(r.connectors), setError);
  }, []);
  return { connectors, error };
}

function TargetHealth({ connector, target }: { connector: string; target: string }) {
  const [analysis, setAnalysis] = useState<Analysis>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    getJson<Analysis>(`/v1/connectors/${connector}/analysis?target=${encodeURIComponent(target)}`).then(setAnalysis, setError);
  }, [connector, target]);
  return (
    <div class="target-health">
      <div class="target-name">{target}</div>
      <ErrorBox error={error} />
      {analysis &&
        Object.entries(analysis.capacity).map(([placement, c]) => (
          <div key={placement} class="capacity">
            <span class="mono">{placement}</span>: {c.owned} owned of {c.max_owned_rules_per_direction} per direction ({c.rules} rules in all
            {c.max_prefixes_per_rule ? `, up to ${c.max_prefixes_per_rule} prefixes per rule` : ''})
            <progress max={c.max_owned_rules_per_direction} value={c.owned} />
          </div>
        ))}
    </div>
  );
}

export function ConnectorsPage({ session }: { session: Session }) {
  const { connectors, error } = useConnectors();
  const [checks, setChecks] = useState<Record<string, Check | Error>>({});
  const admin = session.scopes.includes('admin');
  const check = async (id: string) => {
    try {
      const result = await postJson<Check>(`/v1/connectors/${id}/check`, { connector: id });
      setChecks((c) => ({ ...c, [id]: result }));
    } catch (e) {
      setChecks((c) => ({ ...c, [id]: e as Error }));
    }
  };
  return (
    <div>
      <ErrorBox error={error} />
      {connectors?.map((k) => {
        const result = checks[k.id];
        return (
          <Section
            key={k.id}
            title={`${k.id} (${k.type})`}
            actions={
              admin ? (
                <button type="button" onClick={() => check(k.id)}>
                  Run check
                </button>
              ) : (
                <span class="muted small">checks need the admin role</span>
              )
            }
          >
            {result instanceof Error && <ErrorBox error={result} />}
            {result && !(result instanceof Error) && (
              <ul class="checks">
                {result.targets.flatMap((t) =>
                  t.checks.map((ch) => (
                    <li key={`${t.target}/${ch.name}`}>
                      <State value={ch.ok ? 'applied' : 'failed'} /> {t.target}: {ch.name} {ch.detail && <span class="muted">{ch.detail}</span>}
                    </li>
                  )),
                )}
              </ul>
            )}
            {k.targets.map((t) => (
              <TargetHealth key={t} connector={k.id} target={t} />
            ))}
          </Section>
        );
      })}
    </div>
  );
}

export function FindingsPage({ session }: { session: Session }) {
  const { connectors, error } = useConnectors();
  const [selected, setSelected] = useState('');
  const [analysis, setAnalysis] = useState<Analysis>();
  const [analysisError, setAnalysisError] = useState<unknown>();
  const [requested, setRequested] = useState<Run>();
  const [requestError, setRequestError] = useState<unknown>();
  const options = (connectors ?? []).flatMap((k) => k.targets.map((t) => `${k.id}/${t}`));
  const current = selected || options[0] || '';
  useEffect(() => {
    if (!current) return;
    const [connector, target] = current.split('/');
    setAnalysis(undefined);
    // A slower answer for the previously selected target must not replace this one.
    let live = true;
    getJson<Analysis>(`/v1/connectors/${connector}/analysis?target=${encodeURIComponent(target ?? '')}`).then(
      (a) => live && setAnalysis(a),
      (e) => live && setAnalysisError(e),
    );
    return () => {
      live = false;
    };
  }, [current]);
  const cleanable = (analysis?.findings ?? []).filter((f) => CLEANUP_KINDS.includes(f.kind) && f.fix.retract_intents.length > 0);
  const requestCleanup = async () => {
    if (!analysis) return;
    setRequestError(undefined);
    try {
      const kinds = [...new Set(cleanable.map((f) => f.kind))];
      const run = await postJson<Run>('/v1/playbooks/cleanup-rules/runs', {
        playbook: 'cleanup-rules',
        inputs: { connector: analysis.connector, target: analysis.target, kinds, reason: 'console: rule hygiene findings' },
      });
      setRequested(run);
    } catch (e) {
      setRequestError(e);
    }
  };
  return (
    <Section
      title="Rule hygiene findings"
      actions={
        <select value={current} onChange={(e) => setSelected((e.target as HTMLSelectElement).value)} aria-label="target">
          {options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      }
    >
      <ErrorBox error={error ?? analysisError} />
      {analysis && (
        <p data-target={`${analysis.connector}/${analysis.target}`}>
          {analysis.rules} rules, {analysis.findings.length} findings.{' '}
          {session.scopes.includes('admin') ? (
            <button type="button" class="request-cleanup" disabled={!cleanable.length} onClick={requestCleanup}>
              Request cleanup of {cleanable.length} owned rule finding{cleanable.length === 1 ? '' : 's'}
            </button>
          ) : (
            <span class="muted small">requesting a cleanup needs the admin role</span>
          )}
        </p>
      )}
      {requested && (
        <p class="ok">
          Cleanup requested: {requested.id} ({requested.status.replace(/_/g, ' ')}); a second person approves it.
        </p>
      )}
      <ErrorBox error={requestError} />
      <table class="table findings">
        <thead>
          <tr>
            <th>severity</th>
            <th>kind</th>
            <th>finding</th>
            <th>suggested fix</th>
          </tr>
        </thead>
        <tbody>
          {analysis?.findings.map((f, i) => (
            <tr key={i}>
              <td>
                <span class={`sev sev-${f.severity}`}>{f.severity}</span>
              </td>
              <td>{f.kind}</td>
              <td>{f.message}</td>
              <td class="small">{f.fix.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

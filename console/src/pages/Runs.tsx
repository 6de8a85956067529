import { useEffect, useState } from 'preact/hooks';
import { type Run, getJson, query } from '../api.ts';
import { ErrorBox, Section, State, Time } from '../components.tsx';
import { useLiveTick } from '../live.ts';

const STATUSES = ['', 'pending', 'applied', 'partially_applied', 'failed', 'pending_approval', 'rejected', 'approval_expired'];

export function RunsPage() {
  const tick = useLiveTick();
  const [status, setStatus] = useState('');
  const [playbook, setPlaybook] = useState('');
  const [client, setClient] = useState('');
  const [pages, setPages] = useState<Run[][]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const filters = { status, playbook, client, limit: 50 };
  useEffect(() => {
    getJson<{ runs: Run[]; next_cursor: string | null }>(`/v1/runs${query(filters)}`).then((r) => {
      setPages([r.runs]);
      setNext(r.next_cursor);
      setError(undefined);
    }, setError);
  }, [tick, status, playbook, client]);
  const more = async () => {
    if (!next) return;
    const r = await getJson<{ runs: Run[]; next_cursor: string | null }>(`/v1/runs${query({ ...filters, cursor: next })}`);
    setPages((p) => [...p, r.runs]);
    setNext(r.next_cursor);
  };
  const runs = pages.flat();
  return (
    <Section
      title="Runs"
      actions={
        <div class="filters">
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)} aria-label="status">
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s ? s.replace(/_/g, ' ') : 'any status'}
              </option>
            ))}
          </select>
          <input placeholder="playbook" value={playbook} onChange={(e) => setPlaybook((e.target as HTMLInputElement).value)} />
          <input placeholder="client" value={client} onChange={(e) => setClient((e.target as HTMLInputElement).value)} />
        </div>
      }
    >
      <ErrorBox error={error} />
      <table class="table runs">
        <thead>
          <tr>
            <th>created</th>
            <th>playbook</th>
            <th>client</th>
            <th>status</th>
            <th>per target</th>
            <th>id</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} data-run={r.id}>
              <td>
                <Time iso={r.created_at} />
              </td>
              <td>{r.playbook}</td>
              <td>{r.client}</td>
              <td>
                <State value={r.status} />
              </td>
              <td>
                {r.targets.map((t) => (
                  <div key={`${t.connector}/${t.target}`} class="target-state">
                    {t.connector}/{t.target} <State value={t.state} />
                    {t.errors?.map((e) => (
                      <div key={e} class="error small">
                        {e}
                      </div>
                    ))}
                  </div>
                ))}
              </td>
              <td class="mono small">{r.id}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {next && (
        <button type="button" onClick={() => more().catch(setError)}>
          Older runs
        </button>
      )}
    </Section>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { getJson, query } from '../api.ts';
import { ErrorBox, Section, State, Time } from '../components.tsx';
import { useLiveTick } from '../live.ts';

/** An event as the pull API returns it (field names in either case: the log's JSON moves to snake_case). */
type AuditEvent = Record<string, unknown> & { seq: number; id: string; time: string; action: string; outcome: string };

interface Verify {
  ok: boolean;
  checked: number;
  last_seq?: number | null;
  checkpoints_matched?: number;
  signatures?: string;
  fault?: { seq: number; reason: string; detail: string };
}
interface Checkpoints {
  public_key: { key_id: string } | null;
  checkpoints: { seq: number; hash: string; time: string; kind?: string; key_id: string }[];
}

const field = (e: AuditEvent, snake: string, camel: string): string | undefined => (e[snake] ?? e[camel]) as string | undefined;
const MAX_PAGES = 10;

export function AuditPage({ initialRun }: { initialRun?: string }) {
  const tick = useLiveTick();
  const [filters, setFilters] = useState({ action: '', client: '', run: initialRun ?? '', outcome: '', since: new Date(Date.now() - 24 * 3600_000).toISOString().slice(0, 16) });
  const [events, setEvents] = useState<AuditEvent[]>();
  const [truncated, setTruncated] = useState(false);
  const [verify, setVerify] = useState<Verify>();
  const [checkpoints, setCheckpoints] = useState<Checkpoints>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    (async () => {
      // The pull API pages forward from `since`; follow next_cursor to the head, then show newest first.
      const base = { ...filters, since: filters.since ? new Date(`${filters.since}Z`).toISOString() : undefined, limit: 1000 };
      let page = await getJson<{ events: AuditEvent[]; next_cursor: string }>(`/v1/audit/events${query(base)}`);
      const all = [...page.events];
      let pages = 1;
      while (page.events.length === 1000 && pages < MAX_PAGES) {
        page = await getJson(`/v1/audit/events${query({ ...base, after: page.next_cursor })}`);
        all.push(...page.events);
        pages += 1;
      }
      setTruncated(page.events.length === 1000);
      setEvents(all.reverse());
      setError(undefined);
    })().catch(setError);
  }, [tick, filters.action, filters.client, filters.run, filters.outcome, filters.since]);
  useEffect(() => {
    getJson<Verify>('/v1/audit/verify').then(setVerify, setError);
    getJson<Checkpoints>('/v1/audit/checkpoints').then(setCheckpoints, setError);
  }, [tick]);
  const last = checkpoints?.checkpoints.at(-1);
  const set = (key: keyof typeof filters) => (e: Event) => setFilters({ ...filters, [key]: (e.target as HTMLInputElement).value });
  return (
    <div>
      <div class="grid2">
        <Section title="Chain verification">
          {verify ? (
            <div class={verify.ok ? 'verify ok' : 'verify bad'} data-verify={verify.ok ? 'ok' : 'failed'}>
              {verify.ok ? `✔ verified: ${verify.checked} events, ${verify.checkpoints_matched ?? 0} checkpoints matched (signatures ${verify.signatures ?? 'unchecked'})` : `✘ first bad seq ${verify.fault?.seq}: ${verify.fault?.reason} — ${verify.fault?.detail}`}
            </div>
          ) : (
            <span class="muted">verifying…</span>
          )}
        </Section>
        <Section title="Last signed checkpoint">
          {last ? (
            <div class="mono small">
              seq {last.seq} · <Time iso={last.time} /> · key {last.key_id}
              <br />
              {last.hash}
            </div>
          ) : (
            <span class="muted">{checkpoints?.public_key ? 'none yet' : 'no signing key configured (audit.signingKey)'}</span>
          )}
        </Section>
      </div>
      <Section
        title="Audit trail"
        actions={
          <div class="filters">
            <input placeholder="action, e.g. run.approved" value={filters.action} onChange={set('action')} />
            <input placeholder="client" value={filters.client} onChange={set('client')} />
            <input placeholder="run id" value={filters.run} onChange={set('run')} name="run" />
            <select value={filters.outcome} onChange={set('outcome')} aria-label="outcome">
              {['', 'success', 'failure', 'refused', 'pending'].map((o) => (
                <option key={o} value={o}>
                  {o || 'any outcome'}
                </option>
              ))}
            </select>
            <label class="small">
              since (UTC) <input type="datetime-local" value={filters.since} onChange={set('since')} />
            </label>
          </div>
        }
      >
        <ErrorBox error={error} />
        {truncated && <p class="muted small">Showing the first {MAX_PAGES * 1000} events after "since"; narrow the filters for later ones.</p>}
        <table class="table audit">
          <thead>
            <tr>
              <th>seq</th>
              <th>time</th>
              <th>action</th>
              <th>outcome</th>
              <th>client</th>
              <th>run</th>
              <th>detail</th>
            </tr>
          </thead>
          <tbody>
            {events?.map((e) => {
              const detail = (e.detail ?? {}) as Record<string, unknown>;
              const operator = detail.operator as { iss: string; sub: string } | undefined;
              return (
                <tr key={e.id} data-action={e.action}>
                  <td>{e.seq}</td>
                  <td>
                    <Time iso={e.time} />
                  </td>
                  <td class="mono">{e.action}</td>
                  <td>
                    <State value={e.outcome} />
                  </td>
                  <td>
                    {field(e, 'client_id', 'clientId')}
                    {operator && (
                      <div class="small operator">
                        {operator.sub} @ {operator.iss}
                      </div>
                    )}
                  </td>
                  <td class="mono small">{field(e, 'run_id', 'runId')}</td>
                  <td class="mono small detail">{JSON.stringify(detail).slice(0, 300)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {events?.length === 0 && <p class="muted empty">No events match.</p>}
      </Section>
    </div>
  );
}

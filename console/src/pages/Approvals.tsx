import { useEffect, useState } from 'preact/hooks';
import { type Run, type Session, getJson, postJson } from '../api.ts';
import { BacklogChart, ErrorBox, Fields, Section, Time, age } from '../components.tsx';
import { useLiveTick } from '../live.ts';

interface Preview {
  run: string;
  targets: { connector: string; target: string; operations: { op: string; rule: unknown }[]; rejected: unknown[]; overflow: unknown[] }[];
}

/** A planned rule in one line: "allow ingress tcp 9000 from 10.0.1.0/24 (sg, priority 0)". */
function describeRule(rule: unknown): string {
  if (!rule || typeof rule !== 'object') return JSON.stringify(rule);
  const r = rule as { action?: string; direction?: string; protocol?: string; ports?: { from: number; to: number }[]; cidrs?: string[]; placement?: string; priority?: number };
  const ports = r.ports?.map((p) => (p.from === p.to ? String(p.from) : `${p.from}-${p.to}`)).join(',');
  const peer = r.direction === 'egress' ? 'to' : 'from';
  return [r.action, r.direction, r.protocol, ports, r.cidrs ? `${peer} ${r.cidrs.join(', ')}` : undefined, `(${r.placement ?? '?'}, priority ${r.priority ?? '?'})`]
    .filter(Boolean)
    .join(' ');
}

function PendingRun({ run, session, onDecided }: { run: Run; session: Session; onDecided: () => void }) {
  const [preview, setPreview] = useState<Preview>();
  const [previewError, setPreviewError] = useState<unknown>();
  const [comment, setComment] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    getJson<Preview>(`/v1/runs/${run.id}/preview`).then(setPreview, setPreviewError);
  }, [run.id]);
  const decision = run.decision ?? {};
  const reasons = Array.isArray(decision.reasons) ? (decision.reasons as string[]) : [];
  const policies = Array.isArray(decision.policies) ? (decision.policies as string[]) : [];
  const requestedBy = decision.requested_by_operator as { iss: string; sub: string } | undefined;
  const canApprove = session.scopes.includes('approve') || session.scopes.includes('admin');
  const decide = async (verb: 'approve' | 'reject') => {
    setBusy(true);
    setError(undefined);
    try {
      await postJson(`/v1/runs/${run.id}/${verb}`, { run: run.id, decision: verb, comment: comment || undefined });
      onDecided();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <article class="pending" data-run={run.id}>
      <header>
        <h3>
          {run.playbook} <span class="muted">{run.id}</span>
        </h3>
        <div class="muted">
          requested by <strong class="requester">{requestedBy ? `${requestedBy.sub} (${requestedBy.iss})` : run.client}</strong>, <Time iso={run.created_at} />{' '}
          — waiting {age(run.created_at)}
        </div>
      </header>
      <div class="grid2">
        <div>
          <h4>Request</h4>
          <Fields value={run.inputs} />
          <h4>Why it waits</h4>
          <ul class="reasons">
            {reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
            {!reasons.length && <li class="muted">no policy reason recorded</li>}
          </ul>
          {policies.length > 0 && <div class="muted">policies: {policies.join(', ')}</div>}
        </div>
        <div>
          <h4>What approving changes now (dry run)</h4>
          <ErrorBox error={previewError} />
          {!preview && !previewError && <div class="muted">planning…</div>}
          {preview?.targets.map((t) => (
            <div key={`${t.connector}/${t.target}`} class="preview-target">
              <div class="target-name">
                {t.connector}/{t.target}
              </div>
              <ul class="ops">
                {t.operations.map((o, i) => (
                  <li key={i}>
                    <span class={`op op-${o.op}`}>{o.op}</span> {describeRule(o.rule)}
                  </li>
                ))}
                {!t.operations.length && <li class="muted">no change needed</li>}
              </ul>
              {t.rejected.length > 0 && <div class="error">refused before any call: {JSON.stringify(t.rejected)}</div>}
              {t.overflow.length > 0 && <div class="error">over capacity: {JSON.stringify(t.overflow)}</div>}
            </div>
          ))}
        </div>
      </div>
      {canApprove && (
        <footer class="decide">
          <input
            type="text"
            class="comment"
            placeholder="Comment (recorded in the audit log)"
            value={comment}
            maxLength={1000}
            onInput={(e) => setComment((e.target as HTMLInputElement).value)}
          />
          <button type="button" class="approve" disabled={busy} onClick={() => decide('approve')}>
            Approve
          </button>
          <button type="button" class="reject" disabled={busy} onClick={() => decide('reject')}>
            Reject
          </button>
        </footer>
      )}
      <ErrorBox error={error} />
    </article>
  );
}

function RequestAllow({ onRequested }: { onRequested: (id: string) => void }) {
  const [from, setFrom] = useState('web');
  const [to, setTo] = useState('api');
  const [port, setPort] = useState('9000');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      const sources = from.split(/[\s,]+/).filter(Boolean);
      const run = await postJson<Run>('/v1/playbooks/allow-ingress/runs', {
        playbook: 'allow-ingress',
        inputs: { from: sources.length === 1 ? sources[0] : sources, to, protocol: 'tcp', port: /^\d+$/.test(port) ? Number(port) : port, reason },
      });
      setDone(`${run.id}: ${run.status.replace(/_/g, ' ')}`);
      onRequested(run.id);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="inline-form request-allow" onSubmit={submit}>
      <label>
        from <input name="from" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        to tier <input name="to" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        tcp port <input name="port" value={port} size={8} onInput={(e) => setPort((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        reason <input name="reason" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit">Request</button>
      {done && <span class="ok">requested {done}</span>}
      <ErrorBox error={error} />
    </form>
  );
}

export function ApprovalsPage({ session }: { session: Session }) {
  const tick = useLiveTick();
  const [runs, setRuns] = useState<Run[]>();
  const [error, setError] = useState<unknown>();
  const [reload, setReload] = useState(0);
  useEffect(() => {
    getJson<{ runs: Run[] }>('/v1/runs?status=pending_approval&limit=200').then((r) => {
      setRuns(r.runs);
      setError(undefined);
    }, setError);
  }, [tick, reload]);
  const mayRequest = session.scopes.includes('allow') || session.scopes.includes('admin');
  return (
    <div>
      <Section title={`Pending approvals${runs ? ` (${runs.length})` : ''}`}>
        <ErrorBox error={error} />
        {runs?.length === 0 && <p class="muted empty">Nothing waits for a decision.</p>}
        {runs?.map((run) => (
          <PendingRun key={run.id} run={run} session={session} onDecided={() => setReload((n) => n + 1)} />
        ))}
      </Section>
      <div class="grid2">
        <Section title="Backlog by age">
          <BacklogChart createdAt={(runs ?? []).map((r) => r.created_at)} />
          <p class="muted small">Time to secure deployment and change trends come with the metrics API (/v1/reports/changes).</p>
        </Section>
        {mayRequest && (
          <Section title="Request an allow (needs a second operator unless policy approves it)">
            <RequestAllow onRequested={() => setReload((n) => n + 1)} />
          </Section>
        )}
      </div>
    </div>
  );
}

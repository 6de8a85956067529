import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { type Session, loadSession, logout, onSessionEnded } from './api.ts';
import { ErrorBox } from './components.tsx';
import { startLiveUpdates } from './live.ts';
import { ApprovalsPage } from './pages/Approvals.tsx';
import { AuditPage } from './pages/Audit.tsx';
import { BlocksPage } from './pages/Blocks.tsx';
import { ConnectorsPage, FindingsPage } from './pages/Connectors.tsx';
import { ReportsPage } from './pages/Reports.tsx';
import { RunsPage } from './pages/Runs.tsx';
import './style.css';

const PAGES = [
  { id: 'approvals', title: 'Approvals' },
  { id: 'blocks', title: 'Blocks' },
  { id: 'runs', title: 'Runs' },
  { id: 'audit', title: 'Audit trail' },
  { id: 'connectors', title: 'Connectors' },
  { id: 'findings', title: 'Findings' },
  { id: 'reports', title: 'Reports' },
] as const;
type PageId = (typeof PAGES)[number]['id'];

function currentPage(): PageId {
  const id = location.hash.replace(/^#\/?/, '').split('?')[0];
  return PAGES.find((p) => p.id === id)?.id ?? 'approvals';
}

function Login({ ended }: { ended?: string }) {
  return (
    <main class="login">
      <h1>portcullis console</h1>
      {ended && (
        <p class="error" role="alert" data-code={ended}>
          {ended === 'session_expired' ? 'Your session has expired.' : 'Your session has ended.'} Log in again.
        </p>
      )}
      <p>Operators sign in with the organisation's identity provider.</p>
      <a class="button" href="/console/login">
        Log in
      </a>
    </main>
  );
}

function App() {
  const [session, setSession] = useState<Session | null>();
  const [ended, setEnded] = useState<string>();
  const [page, setPage] = useState<PageId>(currentPage());
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const off = onSessionEnded((code) => {
      setEnded(code);
      setSession(null);
    });
    loadSession().then((s) => setSession(s ?? null), setError);
    const onHash = () => setPage(currentPage());
    addEventListener('hashchange', onHash);
    return () => {
      off();
      removeEventListener('hashchange', onHash);
    };
  }, []);
  useEffect(() => {
    if (!session) return;
    return startLiveUpdates(() => loadSession().then((s) => setSession(s ?? null)));
  }, [session?.csrf_token]);
  if (error) return <ErrorBox error={error} />;
  if (session === undefined) return <p class="muted">Loading…</p>;
  if (session === null) return <Login ended={ended} />;
  return (
    <div class="shell">
      <nav class="nav">
        <span class="brand">portcullis</span>
        {PAGES.map((p) => (
          <a key={p.id} href={`#/${p.id}`} class={p.id === page ? 'active' : ''}>
            {p.title}
          </a>
        ))}
        <span class="who">
          <span class="operator-name">{session.operator.name ?? session.operator.sub}</span>
          <span class="muted small"> {session.roles.join(', ')}</span>
          <button
            type="button"
            class="link"
            onClick={() =>
              logout().then(() => {
                setEnded('logged_out');
                setSession(null);
              })
            }
          >
            Log out
          </button>
        </span>
      </nav>
      <main>
        {page === 'approvals' && <ApprovalsPage session={session} />}
        {page === 'blocks' && <BlocksPage />}
        {page === 'runs' && <RunsPage />}
        {page === 'audit' && <AuditPage />}
        {page === 'connectors' && <ConnectorsPage session={session} />}
        {page === 'findings' && <FindingsPage session={session} />}
        {page === 'reports' && <ReportsPage />}
      </main>
    </div>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);

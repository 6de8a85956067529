/**
 * The console talks to the ordinary /v1 API with its session cookie. Mutations send the session's
 * CSRF token and an Idempotency-Key (a double click cannot decide twice).
 */

export interface Session {
  operator: { iss: string; sub: string; name: string | null; email: string | null };
  client: string;
  roles: string[];
  scopes: string[];
  csrf_token: string;
  expires_at: string;
}

/** An RFC 9457 problem from the API, with its stable code. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
  }
}

let csrfToken = '';
const expiredListeners = new Set<(code: string) => void>();

/** Called when the API answers that the session has ended (expired, unknown). */
export function onSessionEnded(listener: (code: string) => void): () => void {
  expiredListeners.add(listener);
  return () => expiredListeners.delete(listener);
}

async function problemOf(res: Response): Promise<ApiProblem> {
  let code = String(res.status);
  let detail = res.statusText;
  try {
    const body = (await res.json()) as { code?: string; detail?: string };
    code = body.code ?? code;
    detail = body.detail ?? detail;
  } catch {}
  if (code === 'session_expired' || code === 'session_invalid') for (const l of expiredListeners) l(code);
  return new ApiProblem(res.status, code, detail);
}

export async function loadSession(): Promise<Session | undefined> {
  const res = await fetch('/console/api/session', { credentials: 'same-origin' });
  if (res.status === 401) {
    await problemOf(res);
    return undefined;
  }
  if (!res.ok) throw await problemOf(res);
  const session = (await res.json()) as Session;
  csrfToken = session.csrf_token;
  return session;
}

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (!res.ok) throw await problemOf(res);
  return (await res.json()) as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken, 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await problemOf(res);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export async function logout(): Promise<void> {
  await fetch('/console/logout', { method: 'POST', credentials: 'same-origin', headers: { 'x-csrf-token': csrfToken } });
}

export const query = (params: Record<string, string | number | undefined>): string => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

export interface RunTarget {
  connector: string;
  target: string;
  state: string;
  errors?: string[];
}

export interface Run {
  id: string;
  playbook: string;
  action: string;
  client: string;
  status: string;
  inputs: Record<string, unknown>;
  decision?: Record<string, unknown> | null;
  created_at: string;
  updated_at: string;
  targets: RunTarget[];
}

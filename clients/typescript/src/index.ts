/**
 * A typed portcullis client. Types come from `openapi.ts`, generated from the service's /openapi.json
 * by openapi-typescript (npm run clients:generate); a test fails when they drift from the server.
 *
 * - Mutations are signed with Standard Webhooks (the public `standardwebhooks` library).
 * - A retry after a network error, a 5xx or a 409 idempotency_in_flight resends the SAME webhook-id and
 *   Idempotency-Key (re-signed with a fresh timestamp): the service answers it from the stored result,
 *   so a lost answer never runs a playbook twice.
 * - `wait` sends `Prefer: wait=N`; when the run has not settled by then, the client follows `Location`.
 */
import { Webhook } from 'standardwebhooks';
import type { components, operations } from './openapi.ts';

export type Run = components['schemas']['Run'];
export type Problem = components['schemas']['Problem'];
export type AuditEvent = components['schemas']['AuditEvent'];
export type Block = operations['listBlocks']['responses'][200]['content']['application/json']['blocks'][number];
export type RunsQuery = NonNullable<operations['listRuns']['parameters']['query']>;
export type AuditQuery = NonNullable<operations['listAuditEvents']['parameters']['query']>;

export interface ClientOptions {
  /** e.g. http://127.0.0.1:8787 */
  baseUrl: string;
  /** The client id configured in portcullis (sent as portcullis-client). */
  clientId: string;
  /** The client's whsec_ secret: signs every call. */
  secret: string;
  /** A read token: reads use `Authorization: Bearer` instead of a signature when given. */
  token?: string;
  /** Attempts per call, the first included (default 4). */
  attempts?: number;
  /** Backoff before attempt n+1: base * 2^n ms with full jitter (default 250). */
  backoffMs?: number;
  fetch?: typeof fetch;
  /** For tests: how the client waits between attempts and polls. */
  sleep?: (ms: number) => Promise<void>;
}

export interface RunOptions {
  /** Idempotency-Key; defaults to the webhook-id (which the client keeps across its own retries). */
  idempotencyKey?: string;
  /** Seconds for Prefer: wait (≤ 60), then follow Location until the run settles or `waitTimeoutMs` passes. */
  wait?: number;
  waitTimeoutMs?: number;
  dryRun?: boolean;
}

/** A problem+json answer, with its stable code. */
export class PortcullisError extends Error {
  readonly status: number;
  readonly problem: Problem | undefined;
  readonly requestId: string | undefined;
  constructor(status: number, problem: Problem | undefined, requestId: string | undefined) {
    super(problem ? `${status} ${problem.code}: ${problem.detail}` : `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.requestId = requestId;
    this.name = 'PortcullisError';
  }
  get code(): string | undefined {
    return this.problem?.code;
  }
}

const SETTLED = new Set(['applied', 'partially_applied', 'failed', 'rejected', 'approval_expired', 'pending_approval']);

/** Default playbook names of the repo's playbooks/ (override per call with runPlaybook). */
export const PLAYBOOKS = {
  block: 'block-ip',
  unblock: 'unblock-ip',
  quarantine: 'quarantine-host',
  release: 'release-host',
  allow: 'allow-ingress',
  revoke: 'revoke-allow',
} as const;

export class PortcullisClient {
  private readonly webhook: Webhook;
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly base: string;

  private readonly options: ClientOptions;

  constructor(options: ClientOptions) {
    this.options = options;
    this.webhook = new Webhook(options.secret);
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  /** POST /v1/playbooks/{name}/runs: the run as answered (settled when `wait` was given and it settled in time). */
  async runPlaybook(playbook: string, inputs: Record<string, unknown>, options: RunOptions = {}): Promise<Run> {
    const body: Record<string, unknown> = { playbook, inputs };
    if (options.dryRun) body.dry_run = true;
    const headers: Record<string, string> = {};
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    if (options.wait) headers.prefer = `wait=${Math.min(60, Math.max(1, Math.round(options.wait)))}`;
    const path = `/v1/playbooks/${encodeURIComponent(playbook)}/runs${options.dryRun ? '?dry_run=true' : ''}`;
    const response = await this.signed('POST', path, body, headers);
    const run = (await response.json()) as Run;
    if (!options.wait || options.dryRun || SETTLED.has(run.status)) return run;
    return this.waitForRun(response.headers.get('location') ?? run.links.self, options.waitTimeoutMs ?? options.wait * 1000 + 30_000);
  }

  block(indicators: string | string[], extra: { ttl?: string; reason?: string } = {}, options?: RunOptions): Promise<Run> {
    return this.runPlaybook(PLAYBOOKS.block, { indicators, ...extra }, options);
  }
  unblock(indicators: string | string[], extra: { reason?: string } = {}, options?: RunOptions): Promise<Run> {
    return this.runPlaybook(PLAYBOOKS.unblock, { indicators, ...extra }, options);
  }
  quarantine(inputs: Record<string, unknown>, options?: RunOptions): Promise<Run> {
    return this.runPlaybook(PLAYBOOKS.quarantine, inputs, options);
  }
  release(inputs: Record<string, unknown>, options?: RunOptions): Promise<Run> {
    return this.runPlaybook(PLAYBOOKS.release, inputs, options);
  }
  allow(inputs: Record<string, unknown>, options?: RunOptions): Promise<Run> {
    return this.runPlaybook(PLAYBOOKS.allow, inputs, options);
  }
  revoke(inputs: Record<string, unknown>, options?: RunOptions): Promise<Run> {
    return this.runPlaybook(PLAYBOOKS.revoke, inputs, options);
  }

  /** POST /v1/runs/{id}/approve (another client than the requester: four eyes). */
  async approve(runId: string, comment?: string): Promise<Run> {
    const response = await this.signed('POST', `/v1/runs/${encodeURIComponent(runId)}/approve`, { run: runId, decision: 'approve', ...(comment ? { comment } : {}) });
    return (await response.json()) as Run;
  }
  async reject(runId: string, comment?: string): Promise<Run> {
    const response = await this.signed('POST', `/v1/runs/${encodeURIComponent(runId)}/reject`, { run: runId, decision: 'reject', ...(comment ? { comment } : {}) });
    return (await response.json()) as Run;
  }

  getRun(id: string): Promise<Run> {
    return this.read<Run>(`/v1/runs/${encodeURIComponent(id)}`);
  }
  listRuns(query: RunsQuery = {}): Promise<{ runs: Run[]; next_cursor: string | null }> {
    return this.read(`/v1/runs${queryString(query)}`);
  }
  /** Every active block, in address order, following the pages' `next` links. */
  async listBlocks(): Promise<Block[]> {
    const out: Block[] = [];
    for (let path: string | null = '/v1/blocks?limit=1000'; path; ) {
      const page: { blocks: Block[]; next: string | null } = await this.read(path);
      out.push(...page.blocks);
      path = page.next;
    }
    return out;
  }
  /** One page of the audit log after a cursor (JSON); pass `next_cursor` back as `after`. */
  auditEvents(query: AuditQuery = {}): Promise<{ events: AuditEvent[]; next_cursor: string }> {
    return this.read(`/v1/audit/events${queryString({ ...query, format: 'json' })}`);
  }

  /** Follows a run's Location until it settles (or `timeoutMs` passes: then the last state). */
  async waitForRun(location: string, timeoutMs = 60_000): Promise<Run> {
    const path = location.startsWith('http') ? new URL(location).pathname : location;
    const deadline = Date.now() + timeoutMs;
    let delay = 200;
    for (;;) {
      const run = await this.read<Run>(path);
      if (SETTLED.has(run.status) || Date.now() >= deadline) return run;
      await this.sleep(delay);
      delay = Math.min(2_000, delay * 2);
    }
  }

  private read<T>(path: string): Promise<T> {
    const { token } = this.options;
    const attempt = token
      ? () => ({ method: 'GET', headers: { authorization: `Bearer ${token}` } })
      : // Signed reads: a fresh webhook-id per attempt (a read changes nothing, and ids are single-use).
        () => ({ method: 'GET', headers: this.signatureHeaders(`msg_${crypto.randomUUID()}`, '') });
    return this.send(path, attempt).then((r) => r.json() as Promise<T>);
  }

  /** A signed call; every attempt carries the same webhook-id and Idempotency-Key. */
  private signed(method: 'POST', path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const text = JSON.stringify(body);
    const id = `msg_${crypto.randomUUID()}`;
    return this.send(path, () => ({
      method,
      body: text,
      headers: { ...this.signatureHeaders(id, text), 'content-type': 'application/json', 'idempotency-key': id, ...headers },
    }));
  }

  private signatureHeaders(id: string, body: string): Record<string, string> {
    const now = new Date();
    return {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': this.webhook.sign(id, now, body),
      'portcullis-client': this.options.clientId,
    };
  }

  private async send(path: string, init: () => RequestInit): Promise<Response> {
    const attempts = this.options.attempts ?? 4;
    const base = this.options.backoffMs ?? 250;
    let last: unknown;
    for (let n = 0; n < attempts; n++) {
      if (n > 0) await this.sleep(Math.random() * base * 2 ** (n - 1));
      let response: Response;
      try {
        response = await this.fetch(`${this.base}${path}`, init());
      } catch (error) {
        last = error;
        continue;
      }
      if (response.ok) return response;
      const error = await toError(response);
      if (!retryable(response.status, error.code)) throw error;
      last = error;
    }
    throw last instanceof Error ? last : new Error(String(last));
  }
}

/** 5xx and "the first attempt is still running" are worth a retry; any other 4xx is an answer. */
const retryable = (status: number, code: string | undefined): boolean => status >= 500 || status === 429 || code === 'idempotency_in_flight';

async function toError(response: Response): Promise<PortcullisError> {
  const text = await response.text();
  let problem: Problem | undefined;
  try {
    problem = JSON.parse(text) as Problem;
  } catch {}
  return new PortcullisError(response.status, problem, response.headers.get('x-request-id') ?? undefined);
}

function queryString(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

import type { Context } from 'hono';
import { sha256Hex } from '../audit/chain.ts';
import type { AuditEventInput } from '../audit/types.ts';
import { replayWindowMs } from '../services.ts';
import { RunAlreadyDecided } from '../store/errors.ts';
import type { StoredResponse, UnitOfWork } from '../store/types.ts';
import type { AppEnv } from './env.ts';
import { Problem, asProblem } from './problem.ts';

/** The longest Retry-After a 409 idempotency_in_flight asks for (the lock itself may last longer). */
const IN_FLIGHT_RETRY_SECONDS = 5;

/** What a mutating handler produces: the response and the state it changes, committed together. */
export interface MutationOutcome {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  work: Omit<UnitOfWork, 'complete' | 'release'>;
}

/**
 * Parses an Idempotency-Key: an RFC 8941 sf-string (`"abc"`) as the draft says, or a bare token,
 * 1 to 255 printable ASCII characters.
 */
export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const quoted = /^"((?:[\x20-\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/.exec(header);
  const key = quoted ? (quoted[1] ?? '').replace(/\\(["\\])/g, '$1') : header;
  if (!/^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/.test(key)) {
    throw new Problem(
      'idempotency_key_invalid',
      'Idempotency-Key must be 1 to 255 printable ASCII characters, optionally as a quoted sf-string ("key")',
    );
  }
  return key;
}

/**
 * Runs a mutating call exactly once per (client, idempotency key):
 * - the key is the Idempotency-Key header, or the webhook-id when the header is absent (SOAR retries resend it);
 * - a completed call is answered from its stored response with `Idempotency-Replayed: true`;
 * - the handler's state, its audit events and the stored response commit in one transaction;
 * - a refusal by the handler (4xx) or a crash (5xx) releases the key and stores nothing but the audit record.
 */
export async function runMutation(
  c: Context<AppEnv>,
  execute: () => Promise<MutationOutcome>,
  options: MutationOptions = {},
): Promise<Response> {
  const services = c.get('services');
  const { store, clock, settings } = services;
  const client = c.get('client');
  const webhookId = c.get('webhookId');
  if (!client || !webhookId) throw new Error('runMutation needs an authenticated, signed call');

  const key = parseIdempotencyKey(c.req.header('idempotency-key')) ?? `webhook:${webhookId}`;
  const fingerprint = await requestFingerprint(c);
  const admitted = await store.admit({
    clientId: client.id,
    webhookId,
    fingerprint,
    idempotencyKey: key,
    now: clock.now(),
    replayWindowMs: replayWindowMs(settings),
    idempotencyTtlMs: settings.idempotencyTtlMs,
    inFlightLockMs: settings.inFlightLockMs,
  });

  switch (admitted.kind) {
    case 'webhook_reused':
      throw new Problem(
        'webhook_id_reused',
        `webhook-id ${webhookId} was already used at ${new Date(admitted.firstSeenAt).toISOString()} for a different request; every message needs a fresh id`,
      );
    case 'in_flight': {
      // The first attempt usually ends within a second or its Prefer: wait; never later than its lock.
      const seconds = Math.max(1, Math.min(IN_FLIGHT_RETRY_SECONDS, Math.ceil(admitted.retryAfterMs / 1000)));
      throw new Problem('idempotency_in_flight', `the first request with this key has not finished; retry later (Retry-After: ${seconds} s)`, {
        idempotency_key: key,
        retry_after_seconds: seconds,
      });
    }
    case 'key_mismatch':
      throw new Problem(
        'idempotency_key_mismatch',
        'this Idempotency-Key was already used with a different method, path or body; use a new key for a new request',
        { idempotency_key: key },
      );
    case 'replay':
      await store.commit({ audit: [edgeEvent(c, 'request.replayed', 'success', { idempotency_key: key })] });
      c.set('audited', true);
      return storedToResponse(admitted.response, { 'idempotency-replayed': 'true' });
    case 'fresh':
      break;
  }

  let outcome: MutationOutcome;
  try {
    outcome = await execute();
  } catch (error) {
    const problem = asProblem(error);
    await store.commit({
      audit: [
        edgeEvent(c, problem ? 'request.refused' : 'request.failed', problem ? 'refused' : 'failure', {
          code: problem?.code ?? 'internal',
          detail: problem?.message ?? 'internal error',
        }),
      ],
      release: { clientId: client.id, key },
    });
    c.set('audited', true);
    throw error;
  }

  const headers = { 'content-type': 'application/json', ...outcome.headers };
  const response: StoredResponse = { status: outcome.status, headers, body: JSON.stringify(outcome.body) };
  try {
    const audit = stampRequest(c, withOperator(c, outcome.work).audit);
    await store.commit({ ...outcome.work, ...(audit ? { audit } : {}), complete: { clientId: client.id, key, response } });
  } catch (error) {
    // Another process decided the same run first: its run_decisions row won the race (the in-process
    // lock covers one process). Nothing of this call committed; answer as a decided run.
    if (!(error instanceof RunAlreadyDecided)) throw error;
    const problem = new Problem('run_not_pending', 'the run was decided by another request first');
    await store.commit({
      audit: [edgeEvent(c, 'request.refused', 'refused', { code: problem.code, detail: problem.message })],
      release: { clientId: client.id, key },
    });
    c.set('audited', true);
    throw problem;
  }
  // A later, final answer (Prefer: wait saw the run settle) replaces the stored one, so a redelivery
  // is answered with what was last sent for this key, never with an older state.
  const final = options.answer ? await options.answer(response) : undefined;
  if (final) {
    await store.commit({ audit: [], complete: { clientId: client.id, key, response: final } });
    return storedToResponse(final, {});
  }
  return storedToResponse(response, {});
}

/**
 * A console operator's mutation: every audit event it writes as that operator carries the operator's
 * identity (issuer + subject), not only the operator's client id.
 */
function withOperator(c: Context<AppEnv>, work: MutationOutcome['work']): MutationOutcome['work'] {
  const operator = c.get('operator');
  const clientId = c.get('client')?.id;
  if (!operator || !work.audit) return work;
  const identity = { iss: operator.iss, sub: operator.sub };
  return {
    ...work,
    audit: work.audit.map((e) => (e.clientId === clientId && !(e.detail && 'operator' in e.detail) ? { ...e, detail: { ...e.detail, operator: identity } } : e)),
  };
}

export interface MutationOptions {
  /**
   * Runs after the call committed, for a first execution only: a response returned here is what the
   * client gets, and it replaces the stored response that redeliveries are answered with.
   */
  answer?: (committed: StoredResponse) => Promise<StoredResponse | undefined>;
}

/** SHA-256 of method, path with query and the exact body: what makes two requests "the same". */
export function requestFingerprint(c: Context<AppEnv>): Promise<string> {
  const url = new URL(c.req.url);
  return sha256Hex(`${c.req.method} ${url.pathname}${url.search}\n${c.get('rawBody') ?? ''}`);
}

/**
 * Refuses, before any validation, a signed mutating call whose webhook-id this client already used for
 * another request (another route, body or Idempotency-Key): a captured message replayed elsewhere is
 * answered 409 webhook_id_reused and audited as such, never as a validation error. Writes nothing; a
 * redelivery of the same request passes and is answered from its idempotency record.
 */
export async function refuseReusedWebhookId(c: Context<AppEnv>): Promise<void> {
  const client = c.get('client');
  const webhookId = c.get('webhookId');
  if (!client || !webhookId) return;
  const seen = await c.get('services').store.replaySeen(client.id, webhookId);
  if (!seen) return;
  const key = parseIdempotencyKey(c.req.header('idempotency-key')) ?? `webhook:${webhookId}`;
  if (seen.fingerprint !== `${await requestFingerprint(c)}|${key}`) {
    throw new Problem(
      'webhook_id_reused',
      `webhook-id ${webhookId} was already used at ${new Date(seen.seenAt).toISOString()} for a different request; every message needs a fresh id`,
    );
  }
}

/**
 * Remembers the webhook-id of a signed call that is not a mutation (reads, dry runs), so the same
 * signed message cannot be used twice on any route within the replay window.
 */
export async function admitSignedRead(c: Context<AppEnv>): Promise<void> {
  const { store, clock, settings } = c.get('services');
  const client = c.get('client');
  const webhookId = c.get('webhookId');
  if (!client || !webhookId) return;
  const admitted = await store.admit({
    clientId: client.id,
    webhookId,
    fingerprint: await requestFingerprint(c),
    now: clock.now(),
    replayWindowMs: replayWindowMs(settings),
    idempotencyTtlMs: settings.idempotencyTtlMs,
    inFlightLockMs: settings.inFlightLockMs,
  });
  if (admitted.kind === 'webhook_reused') {
    throw new Problem(
      'webhook_id_reused',
      `webhook-id ${webhookId} was already used at ${new Date(admitted.firstSeenAt).toISOString()}; every message needs a fresh id`,
    );
  }
}

function storedToResponse(stored: StoredResponse, extra: Record<string, string>): Response {
  return new Response(stored.body, { status: stored.status, headers: { ...stored.headers, ...extra } });
}

/** The caller's address as the runtime saw it (Services.sourceAddress), or "unknown". */
export function sourceOf(c: Context<AppEnv>): string {
  return c.get('services').sourceAddress?.(c)?.slice(0, 64) || 'unknown';
}

/** Events a request causes carry its id and the caller's address (the handler need not repeat them). */
export function stampRequest(c: Context<AppEnv>, events: AuditEventInput[] | undefined): AuditEventInput[] | undefined {
  return events?.map((e) => ({ ...e, requestId: e.requestId ?? c.get('requestId'), sourceAddress: e.sourceAddress ?? sourceOf(c) }));
}

/** An audit event about the call itself, with who, what and which message. */
export function edgeEvent(
  c: Context<AppEnv>,
  action: string,
  outcome: AuditEventInput['outcome'],
  detail: Record<string, unknown>,
): AuditEventInput {
  const client = c.get('client');
  const operator = c.get('operator');
  return {
    action,
    outcome,
    ...(client ? { clientId: client.id } : {}),
    requestId: c.get('requestId'),
    sourceAddress: sourceOf(c),
    detail: {
      method: c.req.method,
      // Truncated: an unauthenticated caller must not be able to store kilobytes per refused request.
      path: new URL(c.req.url).pathname.slice(0, 256),
      ...(c.get('webhookId') ? { webhook_id: c.get('webhookId') } : {}),
      ...(operator ? { operator: { iss: operator.iss, sub: operator.sub } } : {}),
      ...detail,
    },
  };
}


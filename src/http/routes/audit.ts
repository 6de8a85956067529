/**
 * The audit log for compliance tools and SIEMs:
 * - GET  /v1/audit/events       pull with an opaque cursor (`after`), filters, JSON / NDJSON / OCSF / CEF;
 *                               `Link: <…>; rel="next"` on every response, also an empty one, so pollers keep going;
 * - GET  /v1/audit/verify       re-hashes the stored chain against the signed checkpoints, names the first bad seq;
 * - GET  /v1/audit/checkpoints  the signed checkpoints and the public key that verifies them;
 * - POST /v1/audit/checkpoints  signs the current head now (signed call, scope audit:read: an auditor asks
 *                               for a fresh checkpoint before an export; it changes no event).
 */
import { z } from '@hono/zod-openapi';
import { type RouteModule, signedRoute } from '../route.ts';
import { checkpointHead, checkpointJson } from '../../audit/checkpointer.ts';
import { CursorError, decodeCursor, encodeCursor } from '../../audit/cursor.ts';
import { AUDIT_FORMATS, CONTENT_TYPES, formatPage, negotiateFormat, ndjsonExport } from '../../audit/pull.ts';
import { type AuditFilter, rowToNdjsonLine } from '../../audit/pull-types.ts';
import { auditRuntimeOf } from '../../audit/runtime.ts';
import { verifyStore } from '../../audit/verify-store.ts';
import { edgeEvent, runMutation } from '../admission.ts';
import { Problem } from '../problem.ts';
import { mutationErrors, problems, readErrors } from './openapi-meta.ts';

const READ = { scope: 'audit:read', mutating: false } as const;
const WRITE = { scope: 'audit:read', mutating: true } as const;
const OUTCOMES = ['success', 'failure', 'refused', 'pending'] as const;
const name = z.string().min(1).max(200);

const eventsQuery = z
  .object({
    after: z.string().max(40).optional().openapi({ description: 'The cursor from the previous response (Link rel=next or next_cursor).' }),
    since: z.string().max(40).optional().openapi({ description: 'ISO-8601 time, inclusive.' }),
    until: z.string().max(40).optional().openapi({ description: 'ISO-8601 time, exclusive.' }),
    client: name.optional(),
    playbook: name.optional(),
    run: name.optional(),
    target: name.optional(),
    action: name.optional(),
    outcome: z.enum(OUTCOMES).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional().openapi({
      description: 'Page size, 1 to 1,000 (default 100). Absent with format=ndjson: the whole log up to the head, streamed.',
    }),
    format: z.enum(AUDIT_FORMATS).optional().openapi({ description: 'Overrides Accept.' }),
  })
  .strict();

const auditEventSchema = z
  .object({
    seq: z.number().int(),
    id: z.string().openapi({ description: 'Stable UUID: dedupe on it.' }),
    time: z.string(),
    action: z.string().openapi({ description: 'Dotted verb, e.g. run.accepted, request.refused, cloud.operation.' }),
    outcome: z.enum(OUTCOMES),
    detail: z.record(z.string(), z.unknown()).optional(),
    hash: z.string(),
  })
  .catchall(z.unknown())
  .openapi('AuditEvent', { description: 'One hash-chained event; also the client, run, playbook and target it concerns and the previous hash.' });

const EVENT_EXAMPLE = {
  seq: 42,
  id: '0f8e7a52-1c4b-4d0e-9a55-3c2b1d0e9f81',
  time: '2026-01-01T00:00:00.000Z',
  action: 'run.accepted',
  outcome: 'success',
  detail: { action: 'block', intents: 1 },
  hash: '9b1f…',
};

const checkpointSchema = z
  .object({ seq: z.number().int(), hash: z.string(), time: z.string(), kind: z.string(), key_id: z.string(), signature: z.string() })
  .openapi('Checkpoint');
const CHECKPOINT_EXAMPLE = { seq: 42, hash: '9b1f…', time: '2026-01-01T00:05:00.000Z', kind: 'on_demand', key_id: 'audit-2026', signature: 'mN3p…' };

const listEvents = signedRoute(READ, {
  method: 'get',
  path: '/v1/audit/events',
  operationId: 'listAuditEvents',
  tags: ['audit'],
  summary: 'Pull audit events after a cursor (JSON, NDJSON export, OCSF 1.3.0, CEF)',
  description:
    'Ordered by seq, which is commit order: a poller that follows Link rel="next" sees every event at least once, including ones that commit late. Dedupe on `id`. Accept: application/json (default), application/x-ndjson (bulk export, streamed), application/ocsf+json (OCSF 1.3.0: 7004 Network Remediation Activity for blocks and quarantines, 6003 API Activity for the rest), text/x-cef.',
  request: { query: eventsQuery },
  responses: {
    200: {
      description: 'A page (or the whole export); the next cursor is in Link rel="next" and, for JSON and OCSF, next_cursor',
      headers: { link: { description: '<…?after=CURSOR>; rel="next", on every page, also an empty one', schema: { type: 'string' } } },
      content: {
        'application/json': {
          schema: z.object({ events: z.array(auditEventSchema), next_cursor: z.string() }),
          example: { events: [EVENT_EXAMPLE], next_cursor: 'c_42' },
        },
        'application/x-ndjson': { schema: z.string().openapi({ description: 'One AuditEvent JSON object per line.' }), example: `${JSON.stringify(EVENT_EXAMPLE)}\n` },
        'application/ocsf+json': {
          schema: z.object({ ocsf_version: z.literal('1.3.0'), events: z.array(z.record(z.string(), z.unknown())), next_cursor: z.string() }),
          example: { ocsf_version: '1.3.0', events: [{ class_uid: 6003, activity_id: 1, time: 1767225600000 }], next_cursor: 'c_42' },
        },
        'text/x-cef': {
          schema: z.string().openapi({ description: 'One CEF:0 line per event.' }),
          example: 'CEF:0|portcullis|portcullis|0.1.0|run.accepted|run.accepted|3|rt=1767225600000 outcome=success\n',
        },
      },
    },
    ...problems(readErrors(), { 400: 'A bad cursor, filter or limit' }),
  },
});

const verify = signedRoute(READ, {
  method: 'get',
  path: '/v1/audit/verify',
  operationId: 'verifyAudit',
  tags: ['audit'],
  summary: 'Verify the hash chain and the signed checkpoints; name the first bad seq',
  responses: {
    200: {
      description: 'The report: ok, or the first bad seq with the reason (missing, out_of_order, hash_mismatch...)',
      content: {
        'application/json': {
          schema: z.object({
            ok: z.boolean(),
            checked: z.number().int(),
            first_seq: z.number().int().nullable(),
            last_seq: z.number().int().nullable(),
            checkpoints_matched: z.number().int(),
            signatures: z.enum(['verified', 'unchecked']),
            fault: z.object({ seq: z.number().int(), reason: z.string(), detail: z.string() }).nullable(),
          }),
          example: { ok: true, checked: 42, first_seq: 1, last_seq: 42, checkpoints_matched: 3, signatures: 'verified', fault: null },
        },
      },
    },
    ...problems(readErrors()),
  },
});

const listCheckpoints = signedRoute(READ, {
  method: 'get',
  path: '/v1/audit/checkpoints',
  operationId: 'listAuditCheckpoints',
  tags: ['audit'],
  summary: 'Signed checkpoints and the public key (pin it out of band before trusting it)',
  request: { query: z.object({ after_seq: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(10_000).default(10_000) }).strict() },
  responses: {
    200: {
      description: 'Checkpoints in seq order',
      content: {
        'application/json': {
          schema: z.object({
            public_key: z.object({ key_id: z.string(), jwk: z.record(z.string(), z.unknown()) }).nullable(),
            checkpoints: z.array(checkpointSchema),
          }),
          example: { public_key: { key_id: 'audit-2026', jwk: { kty: 'OKP', crv: 'Ed25519', x: '11qY…' } }, checkpoints: [CHECKPOINT_EXAMPLE] },
        },
      },
    },
    ...problems(readErrors()),
  },
});

const createCheckpoint = signedRoute(WRITE, {
  method: 'post',
  path: '/v1/audit/checkpoints',
  operationId: 'createAuditCheckpoint',
  tags: ['audit'],
  summary: 'Sign a checkpoint of the current head now',
  request: {
    body: {
      content: { 'application/json': { schema: z.object({ type: z.literal('audit.checkpoint') }).strict(), example: { type: 'audit.checkpoint' } } },
      required: true,
    },
  },
  responses: {
    201: {
      description: 'The checkpoint covering the head (an existing one when the head has not moved)',
      content: { 'application/json': { schema: checkpointSchema, example: CHECKPOINT_EXAMPLE } },
    },
    ...problems([...mutationErrors(), 404], { 404: 'The audit log is empty', 503: 'No audit.signingKey is configured' }),
  },
});


export function isoTime(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new Problem('invalid_query', `${field}: expected an ISO-8601 time such as 2026-01-01T00:00:00Z, got "${value.slice(0, 40)}"`);
  return new Date(ms).toISOString();
}

export const registerAudit: RouteModule = (app) => {
  app.openapi(listEvents, async (c) => {
    const { store, version } = c.get('services');
    const q = c.req.valid('query');
    let after = 0;
    try {
      after = q.after === undefined ? 0 : decodeCursor(q.after);
    } catch (error) {
      if (error instanceof CursorError) throw new Problem('invalid_query', `after: ${error.message} (use the cursor from Link rel="next")`);
      throw error;
    }
    const filter: AuditFilter = {
      ...(q.client ? { clientId: q.client } : {}),
      ...(q.playbook ? { playbook: q.playbook } : {}),
      ...(q.run ? { runId: q.run } : {}),
      ...(q.target ? { target: q.target } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.outcome ? { outcome: q.outcome } : {}),
      ...(q.since ? { since: isoTime('since', q.since) } : {}),
      ...(q.until ? { until: isoTime('until', q.until) } : {}),
    };
    const format = negotiateFormat(q.format, c.req.header('accept'));
    const next = (cursor: number) => {
      const url = new URL(c.req.url);
      url.searchParams.set('after', encodeCursor(cursor));
      // Relative (RFC 8288 resolves it against the request URL), so it survives TLS-terminating proxies.
      return { link: `<${url.pathname}${url.search}>; rel="next"`, cursor: encodeCursor(cursor) };
    };

    if (format === 'ndjson' && q.limit === undefined) {
      // Bulk export: everything up to the head as it is now; the next cursor is known before streaming.
      const through = Math.max(after, await store.auditHeadSeq());
      return new Response(ndjsonExport(store, { ...filter, after, through }), {
        status: 200,
        headers: { 'content-type': CONTENT_TYPES.ndjson, link: next(through).link, 'cache-control': 'no-store' },
      });
    }
    const page = await store.auditPage({ ...filter, after, limit: q.limit ?? 100 });
    const { link, cursor } = next(page.scannedTo);
    const body =
      format === 'ndjson'
        ? page.rows.map(rowToNdjsonLine).join('')
        : formatPage(format, page.rows, cursor, version, auditRuntimeOf(c.get('services')).clouds);
    return new Response(body, { status: 200, headers: { 'content-type': CONTENT_TYPES[format], link, 'cache-control': 'no-store' } });
  });

  app.openapi(verify, async (c) => {
    const { store } = c.get('services');
    const runtime = auditRuntimeOf(c.get('services'));
    const report = await verifyStore(store, runtime.signer?.verifier, {
      coverage: true,
      ...(runtime.checkpointLog ? { external: await runtime.checkpointLog.read() } : {}),
      // With a key, every event older than one checkpoint interval (and a minute) must be covered.
      ...(runtime.signer && runtime.checkpointIntervalMs
        ? { coveredBefore: new Date(c.get('services').clock.now() - runtime.checkpointIntervalMs - 60_000).toISOString() }
        : {}),
    });
    return c.json(
      {
        ok: report.ok,
        checked: report.checked,
        first_seq: report.firstSeq,
        last_seq: report.lastSeq,
        checkpoints_matched: report.checkpointsMatched,
        signatures: report.signatures,
        fault: report.fault ?? null,
        ...(report.uncoveredAfter !== undefined ? { uncovered_after: report.uncoveredAfter } : {}),
      },
      200,
    );
  });

  app.openapi(listCheckpoints, async (c) => {
    const { after_seq, limit } = c.req.valid('query');
    const signer = auditRuntimeOf(c.get('services')).signer;
    const checkpoints = await c.get('services').store.auditCheckpoints(after_seq, limit);
    return c.json(
      { public_key: signer ? { key_id: signer.keyId, jwk: signer.publicJwk } : null, checkpoints: checkpoints.map(checkpointJson) },
      200,
    );
  });

  app.openapi(createCheckpoint, (c) =>
    runMutation(c, async () => {
      const services = c.get('services');
      const signer = auditRuntimeOf(services).signer;
      if (!signer) throw new Problem('unavailable', 'no audit.signingKey is configured, so no checkpoint can be signed');
      const checkpoint = await checkpointHead(services.store, signer, services.clock.now(), 'on_demand', { ...(auditRuntimeOf(services).checkpointLog ? { log: auditRuntimeOf(services).checkpointLog } : {}) });
      if (!checkpoint) throw new Problem('not_found', 'the audit log is empty: there is nothing to checkpoint yet');
      return {
        status: 201,
        body: checkpointJson(checkpoint),
        // The signed checkpoint itself is in the event, so a SIEM holds a copy outside the database.
        work: { audit: [edgeEvent(c, 'audit.checkpoint', 'success', checkpointJson(checkpoint))] },
      };
    }),
  );
};

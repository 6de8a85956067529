/**
 * `portcullis audit tail | export | verify`: a client of the pull API (bearer token from an env var),
 * and an offline verifier for an exported NDJSON file with the checkpoints and the public key.
 */
import { createReadStream, createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { importCheckpointVerifier } from '../audit/checkpoint.ts';
import type { Checkpoint } from '../audit/pull-types.ts';
import type { AuditEvent } from '../audit/types.ts';
import { ChainVerifier, type VerifyReport } from '../audit/verify.ts';
import { type CliIo, UsageError, defineCommand, oneOf } from './command.ts';

const FILTERS = ['client', 'playbook', 'run', 'target', 'action', 'outcome', 'since', 'until'] as const;
const common = {
  url: { type: 'string' },
  'token-env': { type: 'string', default: 'PORTCULLIS_TOKEN' },
  ...Object.fromEntries(FILTERS.map((f) => [f, { type: 'string' }])),
} as const;

class CliError extends Error {}

export function connection(values: { url?: string; 'token-env'?: string }, env: NodeJS.ProcessEnv, scope = 'audit:read'): { base: string; headers: Record<string, string> } {
  const base = values.url ?? env.PORTCULLIS_URL ?? 'http://127.0.0.1:8787';
  const name = values['token-env'] ?? 'PORTCULLIS_TOKEN';
  const token = env[name];
  if (!token) throw new UsageError(`set ${name} to a read token of a client with the ${scope} scope (or name another variable with --token-env)`);
  return { base, headers: { authorization: `Bearer ${token}` } };
}

export async function get(url: string, headers: Record<string, string>): Promise<Response> {
  const res = await fetch(url, { headers });
  if (!res.ok) {
    const problem = (await res.json().catch(() => ({}))) as { code?: string; detail?: string };
    throw new CliError(`${res.status} ${problem.code ?? ''}: ${problem.detail ?? res.statusText} (${new URL(url).pathname})`);
  }
  return res;
}

const nextLink = (res: Response, base: string): string | undefined => {
  const match = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '');
  return match?.[1] ? new URL(match[1], base).href : undefined;
};

function eventsUrl(base: string, values: Record<string, unknown>, extra: Record<string, string>): string {
  const url = new URL('/v1/audit/events', base);
  for (const f of FILTERS) if (typeof values[f] === 'string') url.searchParams.set(f, values[f] as string);
  for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
  return url.href;
}

/** `audit tail`: follows Link rel="next"; --once stops at the first empty page. */
const CONNECTION_HELP = `  --url URL          the service (default: $PORTCULLIS_URL, else http://127.0.0.1:8787)
  --token-env VAR    the environment variable holding a bearer token with audit:read (default PORTCULLIS_TOKEN;
                     in the sandbox: export PORTCULLIS_TOKEN=demo-read-token-for-the-sandbox-only)`;
const FILTER_HELP = `  --client --playbook --run --target --action --outcome ID, --since --until ISO-8601 time: filters`;

export const auditTail = defineCommand(
  {
    name: 'audit tail',
    usage: `portcullis audit tail [--url URL] [--token-env VAR] [--after CURSOR] [--format json|ocsf|cef] [--once] [filters]

  Follows the audit log (the pull API's Link rel="next"), one event per line.
${CONNECTION_HELP}
  --after CURSOR     start after this cursor (printed by --once)
  --format F         json (default), ocsf or cef
  --once             stop at the first empty page and print the cursor to stderr
  --interval S       seconds between polls once caught up (default 5)
${FILTER_HELP}
`,
    options: { ...common, after: { type: 'string' }, format: { type: 'string', default: 'json' }, once: { type: 'boolean' }, interval: { type: 'string', default: '5' } },
  },
  async ({ values }, io) => {
    const format = oneOf('format', values.format, ['json', 'ocsf', 'cef'] as const) ?? 'json';
    const interval = Number(values.interval);
    if (!(interval > 0)) throw new UsageError(`--interval must be a positive number of seconds, not "${values.interval}"`);
    return guard(io, async () => {
    const { base, headers } = connection(values, io.env);
    let url = eventsUrl(base, values, { format, limit: '1000', ...(values.after ? { after: values.after } : {}) });
    for (;;) {
      const res = await get(url, headers);
      const lines =
        format === 'cef' ? (await res.text()).split('\n').filter(Boolean) : ((await res.json()) as { events: unknown[] }).events.map((e) => JSON.stringify(e));
      for (const line of lines) io.out(line);
      url = nextLink(res, base) ?? url;
      if (lines.length === 0) {
        if (values.once) {
          io.err(`cursor: ${new URL(url).searchParams.get('after') ?? ''}`);
          return 0;
        }
        await new Promise((r) => setTimeout(r, interval * 1000));
      }
    }
  });
  },
);

/** `audit export --out FILE`: the NDJSON export, streamed to FILE, and FILE.checkpoints.json beside it. */
export const auditExport = defineCommand(
  {
    name: 'audit export',
    usage: `portcullis audit export --out FILE [--url URL] [--token-env VAR] [--after CURSOR] [filters]

  Streams the log as NDJSON to FILE and its signed checkpoints to FILE.checkpoints.json, for
  portcullis audit verify --file FILE.
${CONNECTION_HELP}
${FILTER_HELP}
`,
    options: { ...common, out: { type: 'string' }, after: { type: 'string' } },
  },
  async ({ values }, io) => {
    if (!values.out) throw new UsageError('--out FILE is required');
    const out = values.out;
    return guard(io, async () => {
    const { base, headers } = connection(values, io.env);
    const res = await get(eventsUrl(base, values, { format: 'ndjson', ...(values.after ? { after: values.after } : {}) }), headers);
    if (!res.body) throw new CliError('the export returned no body');
    await pipeline(Readable.fromWeb(res.body as never), createWriteStream(out));
    const checkpoints = await (await get(new URL('/v1/audit/checkpoints', base).href, headers)).json();
    writeFileSync(`${out}.checkpoints.json`, `${JSON.stringify(checkpoints, null, 2)}\n`);
    const next = nextLink(res, base);
    io.out(`exported to ${out} (checkpoints: ${out}.checkpoints.json); next cursor: ${next ? new URL(next).searchParams.get('after') : ''}`);
    return 0;
  });
  },
);

interface CheckpointJson {
  seq: number;
  hash: string;
  time: string;
  kind: Checkpoint['kind'];
  key_id: string;
  signature: string;
}

/** `audit verify`: the server's own check (--url), or an exported file offline (--file, --public-key). */
export const auditVerify = defineCommand(
  {
    name: 'audit verify',
    usage: `portcullis audit verify [--url URL] [--token-env VAR] | --file FILE [--checkpoints FILE] [--public-key FILE] [--json]

  Verifies the hash chain on the server (GET /v1/audit/verify), or an exported NDJSON file offline;
  names the first bad seq and exits 1 when the log was tampered with.
${CONNECTION_HELP}
  --file FILE         an export (portcullis audit export); offline, no token needed
  --checkpoints FILE  its checkpoints (default FILE.checkpoints.json)
  --public-key FILE   the checkpoint public key (PEM or JWK) to check the signatures with
  --json              print the report as JSON
`,
    options: { ...common, file: { type: 'string' }, checkpoints: { type: 'string' }, 'public-key': { type: 'string' }, json: { type: 'boolean' } },
  },
  async ({ values }, io) => {
  if (!values.file && (values.checkpoints || values['public-key'])) throw new UsageError('--checkpoints and --public-key go with --file');
  return guard(io, async () => {
    let report: VerifyReport;
    if (values.file) {
      report = await verifyFile(values.file, values.checkpoints ?? `${values.file}.checkpoints.json`, values['public-key']);
    } else {
      const { base, headers } = connection(values, io.env);
      const body = (await (await get(new URL('/v1/audit/verify', base).href, headers)).json()) as Record<string, unknown>;
      report = {
        ok: body.ok === true,
        checked: Number(body.checked),
        firstSeq: (body.first_seq as number | null) ?? null,
        lastSeq: (body.last_seq as number | null) ?? null,
        checkpointsMatched: Number(body.checkpoints_matched),
        signatures: body.signatures === 'verified' ? 'verified' : 'unchecked',
        ...(body.fault ? { fault: body.fault as NonNullable<VerifyReport['fault']> } : {}),
        ...(typeof body.uncovered_after === 'number' ? { uncoveredAfter: body.uncovered_after } : {}),
      };
    }
    io.out(values.json ? JSON.stringify(report) : describe(report));
    return report.ok ? 0 : 1;
  });
  },
);

async function verifyFile(file: string, checkpointsFile: string, keyFile: string | undefined): Promise<VerifyReport> {
  const checkpoints = existsSync(checkpointsFile)
    ? ((JSON.parse(readFileSync(checkpointsFile, 'utf8')) as { checkpoints: CheckpointJson[] }).checkpoints ?? []).map(
        (c): Checkpoint => ({ seq: c.seq, hash: c.hash, time: c.time, kind: c.kind, keyId: c.key_id, signature: c.signature }),
      )
    : [];
  const key = keyFile ? await importCheckpointVerifier(readFileSync(keyFile, 'utf8')) : undefined;
  const verifier = await ChainVerifier.create(checkpoints, key, { coverage: true });
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of lines) {
    n += 1;
    if (!line.trim()) continue;
    let event: AuditEvent;
    try {
      event = JSON.parse(line) as AuditEvent;
    } catch {
      verifier.pushMalformed(n);
      break;
    }
    if (!(await verifier.push(event))) break;
  }
  lines.close();
  return verifier.finish();
}

function describe(r: VerifyReport): string {
  const range = r.firstSeq === null ? 'no events' : `seq ${r.firstSeq}..${r.lastSeq}`;
  const sigs =
    r.signatures === 'verified'
      ? 'signatures verified'
      : 'signatures NOT checked (no public key): only accidental damage is detected; a re-hashed, cut or extended log passes';
  if (r.fault) {
    const span = r.fault.range && r.fault.range.from !== r.fault.range.to ? `\nthe change is in seq ${r.fault.range.from}..${r.fault.range.to} (the narrowest range the checkpoints allow)` : '';
    return `FAILED at seq ${r.fault.seq} (${r.fault.reason}): ${r.fault.detail}${span}\n${r.checked} events verified before it; ${sigs}`;
  }
  const tail = r.uncoveredAfter !== undefined && r.lastSeq !== null && r.uncoveredAfter < r.lastSeq
    ? `\nwarning: seq ${r.uncoveredAfter + 1}..${r.lastSeq} are covered by no signed checkpoint yet (a cut or an append there would not be detected)`
    : '';
  return `ok: ${r.checked} events (${range}), ${r.checkpointsMatched} signed checkpoints matched, ${sigs}${tail}`;
}

/** A server's refusal or an unreadable file: one line, exit 1 (usage errors pass through: exit 2). */
export async function guard(io: CliIo, run: () => Promise<number>, command = 'audit'): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    io.err(`portcullis ${command}: ${(error as Error).message}`);
    return 1;
  }
}

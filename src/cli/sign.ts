import { readFileSync } from 'node:fs';
import { CLIENT_HEADER } from '../http/auth.ts';
import { signHeaders } from '../http/signature.ts';
import { UsageError, defineCommand, oneOf } from './command.ts';

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

const FORMATS = ['curl', 'headers', 'json'] as const;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const DEFAULT_BASE_URL = 'http://127.0.0.1:8787';

const USAGE = `portcullis sign --client ID (--secret-env VAR | --secret-file FILE) [--body JSON | --body-file FILE] [options]

  Signs a body (Standard Webhooks v1) and prints a ready curl command, or just the headers.
  --client           the client id (sent as portcullis-client)
  --secret-env VAR   read the client's whsec_ secret from this environment variable
  --secret-file F    ... or from this file (never from the command line, where ps and history keep it)
  --body JSON        the exact body to sign (must be JSON); --body-file F reads it from a file
  --url URL          where the call goes; a path (/v1/...) is taken relative to $PORTCULLIS_URL or
                     ${DEFAULT_BASE_URL}. Default: the endpoint the body names ("playbook" -> its runs,
                     with ?dry_run=true when "dry_run" is true; "run" + "decision" -> approve/reject;
                     "connector" -> its check; "type": "audit.checkpoint" -> the checkpoints)
  --method M         ${METHODS.join(', ')} (default POST; GET may have no body)
  --idempotency-key K, --header 'Name: value' (repeatable, not signed, e.g. 'Prefer: wait=10')
  --format F         ${FORMATS.join(', ')} (default curl)
  --include          the curl command prints the response status line and headers (curl -i)
`;

function readFileFlag(flag: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${flag} ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** The endpoint a signed body acts on (the body must say so: Standard Webhooks does not sign the path). */
export function defaultPath(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  const seg = (v: unknown) => encodeURIComponent(String(v));
  if (typeof b.playbook === 'string') return `/v1/playbooks/${seg(b.playbook)}/runs${b.dry_run === true ? '?dry_run=true' : ''}`;
  if (typeof b.run === 'string' && (b.decision === 'approve' || b.decision === 'reject')) return `/v1/runs/${seg(b.run)}/${b.decision}`;
  if (typeof b.connector === 'string') return `/v1/connectors/${seg(b.connector)}/check`;
  if (b.type === 'audit.checkpoint') return '/v1/audit/checkpoints';
  return undefined;
}

/** The URL of the printed curl command: --url (absolute, or a path on the base URL), else the body's endpoint. */
function curlUrl(flag: string | undefined, json: unknown, env: NodeJS.ProcessEnv): string {
  const target = flag ?? defaultPath(json);
  if (target === undefined) {
    throw new UsageError('give --url: the body names no endpoint ("playbook", "run" with "decision", "connector" or "type": "audit.checkpoint")');
  }
  try {
    return new URL(target, env.PORTCULLIS_URL || DEFAULT_BASE_URL).href;
  } catch {
    throw new UsageError(`--url must be a URL or a path starting with /, not "${target}"`);
  }
}

/**
 * `portcullis sign`: signs a body with a client secret and prints the headers, a JSON object, or a
 * curl command ready to run. The secret is read from an environment variable or a file, never from
 * the command line (where `ps` and shell history would keep it).
 */
export const signCommand = defineCommand(
  {
    name: 'sign',
    usage: USAGE,
    options: {
      client: { type: 'string' },
      'secret-env': { type: 'string' },
      'secret-file': { type: 'string' },
      body: { type: 'string' },
      'body-file': { type: 'string' },
      url: { type: 'string' },
      method: { type: 'string', default: 'POST' },
      'idempotency-key': { type: 'string' },
      header: { type: 'string', multiple: true },
      format: { type: 'string', default: 'curl' },
      include: { type: 'boolean' },
    },
  },
  async ({ values }, io) => {
    const format = oneOf('format', values.format, FORMATS) ?? 'curl';
    const method = oneOf('method', values.method.toUpperCase(), METHODS) ?? 'POST';
    if (values['secret-env'] && values['secret-file']) throw new UsageError('give --secret-env or --secret-file, not both');
    if (values.body !== undefined && values['body-file']) throw new UsageError('give --body or --body-file, not both');
    const secret = values['secret-env']
      ? io.env[values['secret-env']]
      : values['secret-file']
        ? readFileFlag('--secret-file', values['secret-file']).trim()
        : undefined;
    if (!values.client || !secret) {
      throw new UsageError('needs --client ID and a secret: --secret-env VAR (the variable must be set) or --secret-file FILE');
    }
    const body = values.body ?? (values['body-file'] ? readFileFlag('--body-file', values['body-file']) : '');
    if (method !== 'GET' && body === '') throw new UsageError('needs --body JSON or --body-file FILE for a mutating call');
    let json: unknown;
    if (body !== '') {
      try {
        json = JSON.parse(body);
      } catch (error) {
        throw new UsageError(`the body is not valid JSON (${(error as Error).message}); the service would refuse it with 400 malformed_json`);
      }
    }
    let headers: Record<string, string>;
    try {
      headers = { ...(await signHeaders(secret, body)), [CLIENT_HEADER]: values.client };
    } catch (error) {
      // The message never includes the secret (secretBytes).
      throw new UsageError(`the secret cannot sign: ${(error as Error).message}`);
    }
    if (method !== 'GET') headers['content-type'] = 'application/json';
    if (values['idempotency-key']) headers['idempotency-key'] = values['idempotency-key'];
    for (const extra of values.header ?? []) {
      const match = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(extra);
      if (!match) throw new UsageError(`--header must be "Name: value", not "${extra}"`);
      headers[(match[1] as string).toLowerCase()] = match[2] as string;
    }

    if (format === 'json') {
      io.out(JSON.stringify(headers, null, 2));
    } else if (format === 'headers') {
      io.out(
        Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}`)
          .join('\n'),
      );
    } else {
      const url = curlUrl(values.url, json, io.env);
      const parts = ['curl', '-sS', ...(values.include ? ['-i'] : []), '-X', method, shellQuote(url)];
      for (const [k, v] of Object.entries(headers)) parts.push('-H', shellQuote(`${k}: ${v}`));
      if (method !== 'GET') parts.push('--data-binary', shellQuote(body));
      io.out(parts.join(' '));
    }
    return 0;
  },
);

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CLIENT_HEADER } from '../http/auth.ts';
import { signHeaders } from '../http/signature.ts';
import type { Command } from './main.ts';

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * `portcullis sign`: signs a body with a client secret and prints the headers, a JSON object, or a
 * curl command ready to run. The secret is read from an environment variable or a file, never from
 * the command line (where `ps` and shell history would keep it).
 */
export const signCommand: Command = async (args, io) => {
  const { values } = parseArgs({
    args,
    options: {
      client: { type: 'string' },
      'secret-env': { type: 'string' },
      'secret-file': { type: 'string' },
      body: { type: 'string' },
      'body-file': { type: 'string' },
      url: { type: 'string', default: 'http://127.0.0.1:8787/' },
      method: { type: 'string', default: 'POST' },
      'idempotency-key': { type: 'string' },
      /** Extra headers for the request (not signed), e.g. "Prefer: wait=10". Repeatable. */
      header: { type: 'string', multiple: true },
      format: { type: 'string', default: 'curl' },
    },
  });
  const secret = values['secret-env']
    ? io.env[values['secret-env']]
    : values['secret-file']
      ? readFileSync(values['secret-file'], 'utf8').trim()
      : undefined;
  if (!values.client || !secret) {
    io.err('sign needs --client ID and a secret: --secret-env VAR (the variable must be set) or --secret-file FILE');
    return 2;
  }
  const body = values.body ?? (values['body-file'] ? readFileSync(values['body-file'], 'utf8') : '');
  const method = (values.method ?? 'POST').toUpperCase();
  if (method !== 'GET' && body === '') {
    io.err('sign needs --body JSON or --body-file FILE for a mutating call');
    return 2;
  }
  const headers: Record<string, string> = { ...(await signHeaders(secret, body)), [CLIENT_HEADER]: values.client };
  if (method !== 'GET') headers['content-type'] = 'application/json';
  if (values['idempotency-key']) headers['idempotency-key'] = values['idempotency-key'];
  for (const extra of values.header ?? []) {
    const match = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(extra);
    if (!match) {
      io.err(`--header must be "Name: value", not "${extra}"`);
      return 2;
    }
    headers[(match[1] as string).toLowerCase()] = match[2] as string;
  }

  if (values.format === 'json') {
    io.out(JSON.stringify(headers, null, 2));
  } else if (values.format === 'headers') {
    io.out(Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\n'));
  } else {
    const parts = ['curl', '-sS', '-X', method, shellQuote(values.url ?? '')];
    for (const [k, v] of Object.entries(headers)) parts.push('-H', shellQuote(`${k}: ${v}`));
    if (method !== 'GET') parts.push('--data-binary', shellQuote(body));
    io.out(parts.join(' '));
  }
  return 0;
};

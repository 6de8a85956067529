/**
 * Issue 9, items 14 and 15 on a real server process: a request Node's HTTP parser refuses is answered
 * with problem+json (not a bare empty 400) and audited with the caller's address; request events of
 * ordinary calls carry the address the server saw (127.0.0.1).
 */
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, cleanUp, startServer, tempDir } from '../support/process.ts';
import { DEMO_TOKEN, sandboxConfig } from './sandbox-config.ts';

let server: ServerProcess;
beforeAll(async () => {
  const dir = tempDir();
  server = await startServer({ dir, config: (port) => sandboxConfig(join(dir, 'data'), port) });
});
afterAll(cleanUp);

/** Sends raw bytes on a fresh connection and reads until the server closes it. */
function raw(request: string): Promise<string> {
  const { port, hostname } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.write(request);
  });
}

const split = (answer: string) => {
  const [head = '', body = ''] = answer.split('\r\n\r\n', 2);
  return { statusLine: head.split('\r\n')[0], head: head.toLowerCase(), body };
};

interface Event {
  action: string;
  request_id?: string;
  source_address?: string;
  detail?: Record<string, unknown>;
}
async function events(): Promise<Event[]> {
  const res = await fetch(`${server.url}/v1/audit/events?limit=1000`, { headers: { authorization: `Bearer ${DEMO_TOKEN}` } });
  return ((await res.json()) as { events: Event[] }).events;
}

describe('requests the HTTP parser refuses', () => {
  it('a malformed header line gets 400 problem+json naming the parser error, audited with the address', async () => {
    const answer = split(await raw('POST /v1/playbooks/block-ip/runs HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n'));
    expect(answer.statusLine).toBe('HTTP/1.1 400 The HTTP request could not be parsed');
    expect(answer.head).toContain('content-type: application/problem+json');
    const problem = JSON.parse(answer.body) as { code: string; status: number; detail: string; request_id: string; parser_error: string };
    expect(problem).toMatchObject({ code: 'bad_request', status: 400, type: 'https://portcullis.dev/problems/bad_request', parser_error: 'HPE_INVALID_HEADER_TOKEN' });
    expect(problem.detail).toMatch(/not valid HTTP\/1\.1/);
    const audited = (await events()).filter((e) => e.request_id === problem.request_id);
    expect(audited.map((e) => [e.action, e.source_address, e.detail?.code])).toEqual([['request.refused', '127.0.0.1', 'bad_request']]);
  });

  it('headers over the limit get 431 problem+json', async () => {
    const answer = split(await raw(`GET /v1/blocks HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(answer.statusLine).toBe('HTTP/1.1 431 Request headers too large');
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'headers_too_large', status: 431 });
  });

  it('an ordinary refusal records the address the server saw', async () => {
    const res = await fetch(`${server.url}/v1/blocks`, { headers: { authorization: 'Bearer not-a-token-of-anyone' } });
    expect(res.status).toBe(401);
    const { request_id } = (await res.json()) as { request_id: string };
    expect((await events()).find((e) => e.request_id === request_id)?.source_address).toBe('127.0.0.1');
  });
});

/**
 * `portcullis sign`: the headers it prints (as lines, JSON, or a ready curl command) verify against the
 * service and against the standardwebhooks library; the secret comes from env or file, never argv.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRETS, THINGS_PATH, type TestApp, createTestApp } from '../support/app.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { runCapture } from './run.ts';

const BODY = JSON.stringify({ type: 'test.thing', name: "o'brien & co" });
const ENV = { PORTCULLIS_SOAR_SECRET: SECRETS.soar };
const signArgs = (...extra: string[]) => ['sign', '--client', 'soar', '--secret-env', 'PORTCULLIS_SOAR_SECRET', ...extra];

let t: TestApp;
let dir: string;
beforeAll(async () => {
  // `sign` stamps the real time, so the service's (fake) clock starts at the real time.
  t = await createTestApp({ clock: new FakeClock(Date.now()) });
  dir = mkdtempSync(join(tmpdir(), 'portcullis-sign-'));
});
afterAll(() => {
  t.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const parseHeaderLines = (text: string): Record<string, string> =>
  Object.fromEntries(text.split('\n').map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]));

/** Lets bash parse the printed command (its quoting included) and returns curl's argv. */
function curlArgv(command: string): string[] {
  expect(command.startsWith('curl ')).toBe(true);
  const printed = execFileSync('bash', ['-c', `argv() { printf '%s\\0' "$@"; }; argv ${command.slice('curl '.length)}`]);
  return printed.toString('utf8').split('\0').slice(0, -1);
}

describe('happy', () => {
  it('--format headers: the printed headers are accepted by the service (201) and verify with standardwebhooks', async () => {
    const { code, out, err } = await runCapture(signArgs('--body', BODY, '--format', 'headers'), ENV);
    expect([code, err]).toEqual([0, '']);
    const headers = parseHeaderLines(out);
    expect(Object.keys(headers).sort()).toEqual(['content-type', 'portcullis-client', 'webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(new Webhook(SECRETS.soar).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    const res = await t.app.request(THINGS_PATH, { method: 'POST', headers, body: BODY });
    expect(res.status).toBe(201);
  });

  it('--format json with --idempotency-key and --secret-file', async () => {
    const file = join(dir, 'soar.secret');
    writeFileSync(file, `${SECRETS.soar}\n`);
    const { code, out } = await runCapture(
      ['sign', '--client', 'soar', '--secret-file', file, '--body', BODY, '--idempotency-key', 'cli-1', '--format', 'json'],
      {},
    );
    expect(code).toBe(0);
    const headers = JSON.parse(out) as Record<string, string>;
    expect(headers['idempotency-key']).toBe('cli-1');
    expect((await t.app.request(THINGS_PATH, { method: 'POST', headers, body: BODY })).status).toBe(201);
  });

  it('--header adds unsigned request headers (e.g. Prefer), and refuses a malformed one', async () => {
    const { code, out } = await runCapture(
      ['sign', '--client', 'soar', '--secret-env', 'SOAR_SECRET', '--body', BODY, '--header', 'Prefer: wait=10', '--header', 'X-Trace: abc', '--format', 'json'],
      { SOAR_SECRET: SECRETS.soar },
    );
    expect(code).toBe(0);
    const headers = JSON.parse(out) as Record<string, string>;
    expect(headers).toMatchObject({ prefer: 'wait=10', 'x-trace': 'abc' });
    expect((await t.app.request(THINGS_PATH, { method: 'POST', headers, body: BODY })).status).toBe(201);
    const bad = await runCapture(['sign', '--client', 'soar', '--secret-env', 'SOAR_SECRET', '--body', BODY, '--header', 'no colon'], { SOAR_SECRET: SECRETS.soar });
    expect(bad.code).toBe(2);
  });

  it('default format: a curl command whose headers, URL and exact body (shell-quoted) the service accepts', async () => {
    const url = `http://127.0.0.1:8787${THINGS_PATH}`;
    const { code, out } = await runCapture(signArgs('--body', BODY, '--url', url), ENV);
    expect(code).toBe(0);
    expect(out).toMatch(/-H 'webhook-id: msg_[^']+'/);
    expect(out).toMatch(/-H 'webhook-timestamp: \d+'/);
    expect(out).toMatch(/-H 'webhook-signature: v1,[A-Za-z0-9+/=]+'/);
    expect(out).toContain("-H 'portcullis-client: soar'");
    expect(out).toContain("-H 'content-type: application/json'");

    const argv = curlArgv(out);
    expect(argv.slice(0, 4)).toEqual(['-sS', '-X', 'POST', url]);
    const headers: Record<string, string> = {};
    argv.forEach((arg, i) => {
      const value = argv[i + 1] ?? '';
      if (arg === '-H') headers[value.slice(0, value.indexOf(': '))] = value.slice(value.indexOf(': ') + 2);
    });
    const body = argv[argv.indexOf('--data-binary') + 1];
    expect(body).toBe(BODY);
    const res = await t.app.request(new URL(url).pathname, { method: 'POST', headers, body });
    expect(res.status).toBe(201);
  });

  it('--method GET signs an empty body for a read (whoami answers 200), without content-type', async () => {
    const { code, out } = await runCapture(signArgs('--method', 'GET', '--format', 'json'), ENV);
    expect(code).toBe(0);
    const headers = JSON.parse(out) as Record<string, string>;
    expect(headers['content-type']).toBeUndefined();
    const res = await t.app.request('/v1/whoami', { headers });
    expect(await res.json()).toMatchObject({ client: 'soar', auth: 'signature' });
  });

  it('never prints the secret', async () => {
    for (const format of ['headers', 'json', 'curl']) {
      const { out, err } = await runCapture(signArgs('--body', BODY, '--format', format), ENV);
      expect(out + err).not.toContain(SECRETS.soar.slice('whsec_'.length));
    }
  });
});

describe('error', () => {
  it('exits 2 when the secret variable is not set, or no secret is given', async () => {
    const unset = await runCapture(signArgs('--body', BODY), {});
    expect(unset.code).toBe(2);
    expect(unset.err).toMatch(/--secret-env VAR \(the variable must be set\) or --secret-file FILE/);
    expect((await runCapture(['sign', '--client', 'soar', '--body', BODY], ENV)).code).toBe(2);
  });

  it('exits 2 when a mutating call has no body', async () => {
    const res = await runCapture(signArgs(), ENV);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/needs --body JSON or --body-file FILE/);
  });
});

describe('input checks and the default URL (issue 9 item 22)', () => {
  const oneLine = (s: string) => s.trim().split('\n').length === 1;

  it('refuses an unknown --format or --method with one line, exit 2', async () => {
    const xml = await runCapture(signArgs('--body', BODY, '--format', 'xml'), ENV);
    expect([xml.code, xml.out]).toEqual([2, '']);
    expect(xml.err).toMatch(/--format must be one of curl, headers, json, not "xml"/);
    expect(oneLine(xml.err)).toBe(true);
    const method = await runCapture(signArgs('--body', BODY, '--method', 'BREW'), ENV);
    expect(method.code).toBe(2);
    expect(method.err).toMatch(/--method must be one of GET, POST, PUT, PATCH, DELETE/);
  });

  it('refuses a body that is not JSON (the service would answer 400 malformed_json), from --body or --body-file', async () => {
    const inline = await runCapture(signArgs('--body', '{"playbook": block-ip}'), ENV);
    expect([inline.code, inline.out]).toEqual([2, '']);
    expect(inline.err).toMatch(/the body is not valid JSON/);
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"playbook":');
    expect((await runCapture(signArgs('--body-file', file), ENV)).code).toBe(2);
  });

  it('an unreadable --secret-file or --body-file is one line naming it, exit 2', async () => {
    const missing = join(dir, 'nope');
    for (const args of [['sign', '--client', 'soar', '--secret-file', missing, '--body', BODY], signArgs('--body-file', missing)]) {
      const r = await runCapture(args, ENV);
      expect(r.code).toBe(2);
      expect(oneLine(r.err)).toBe(true);
      expect(r.err).toContain(`cannot read --${args.includes('--secret-file') ? 'secret' : 'body'}-file ${missing} (ENOENT)`);
    }
  });

  it('without --url the curl command goes to the endpoint the body names, on $PORTCULLIS_URL or 127.0.0.1:8787', async () => {
    const urlOf = async (body: string, env: NodeJS.ProcessEnv = ENV) => {
      const r = await runCapture(signArgs('--body', body), env);
      expect(r.code, r.err).toBe(0);
      return curlArgv(r.out)[3];
    };
    expect(await urlOf('{"playbook":"block-ip","inputs":{"indicators":"203.0.113.7"}}')).toBe('http://127.0.0.1:8787/v1/playbooks/block-ip/runs');
    expect(await urlOf('{"playbook":"block-ip","dry_run":true,"inputs":{}}')).toBe('http://127.0.0.1:8787/v1/playbooks/block-ip/runs?dry_run=true');
    expect(await urlOf('{"run":"r_1","decision":"approve"}')).toBe('http://127.0.0.1:8787/v1/runs/r_1/approve');
    expect(await urlOf('{"run":"r_1","decision":"reject","comment":"no"}')).toBe('http://127.0.0.1:8787/v1/runs/r_1/reject');
    expect(await urlOf('{"connector":"aws-sandbox"}')).toBe('http://127.0.0.1:8787/v1/connectors/aws-sandbox/check');
    expect(await urlOf('{"type":"audit.checkpoint"}')).toBe('http://127.0.0.1:8787/v1/audit/checkpoints');
    expect(await urlOf('{"connector":"c"}', { ...ENV, PORTCULLIS_URL: 'http://127.0.0.1:9999' })).toBe('http://127.0.0.1:9999/v1/connectors/c/check');
    // A path is relative to the base URL.
    const r = await runCapture(signArgs('--body', BODY, '--url', '/v1/things'), ENV);
    expect(curlArgv(r.out)[3]).toBe('http://127.0.0.1:8787/v1/things');
  });

  it('a body that names no endpoint needs --url (one line, exit 2), and the path is accepted by the service', async () => {
    const r = await runCapture(signArgs('--body', BODY), ENV);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/give --url/);
    expect(oneLine(r.err)).toBe(true);
  });

  it('--include adds curl -i, so the status line and Location are printed', async () => {
    const r = await runCapture(signArgs('--body', BODY, '--url', '/x', '--include'), ENV);
    expect(curlArgv(r.out).slice(0, 3)).toEqual(['-sS', '-i', '-X']);
  });
});

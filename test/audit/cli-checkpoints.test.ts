/** Checkpoints over HTTP (signed POST through runMutation), and the CLI: tail, export, verify online and offline. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckpointSigner } from '../../src/audit/checkpoint.ts';
import { chainHash, hashedBody } from '../../src/audit/chain.ts';
import { checkpointHead } from '../../src/audit/checkpointer.ts';
import { runCapture } from '../cli/run.ts';
import { readProblem } from '../edge/expect-problem.ts';
import { sendSigned } from '../edge/calls.ts';
import { TOKENS, type TestApp, createTestApp } from '../support/app.ts';
import { appendEvents, auditorGet, ed25519Pems, testSigner } from './support.ts';

/** An app with a checkpoint signer and 30 events (clients soar, tines, xsoar in turn), served on loopback. */
interface Served {
  t: TestApp;
  url: string;
  signer: CheckpointSigner;
  close(): Promise<void>;
}

async function startServed(): Promise<Served> {
  const { signer, publicPem } = await testSigner();
  const t = await createTestApp({ audit: { signer } });
  writeFileSync(join(t.dir, 'audit.pub.pem'), publicPem);
  await appendEvents(t.store, 30, 2);
  const server = await new Promise<ServerType>((ok) => {
    const s = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 }, () => ok(s));
  });
  return {
    t,
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    signer,
    close: async () => {
      await new Promise((r) => server.close(r));
      t.dispose();
    },
  };
}

describe('POST /v1/audit/checkpoints', () => {
  let served: Served;
  let t: TestApp;
  beforeAll(async () => {
    served = await startServed();
    t = served.t;
  });
  afterAll(() => served.close());
  const checkpointCall = (over: Parameters<typeof sendSigned>[2] = {}) =>
    sendSigned(t, '/v1/audit/checkpoints', { clientId: 'auditor', body: JSON.stringify({ type: 'audit.checkpoint' }), ...over });

  it('signs the head, audits who asked, and answers a redelivery from the stored response', async () => {
    const res = await checkpointCall({ id: 'msg_checkpoint_1' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { seq: number; kind: string; key_id: string; signature: string };
    expect(body).toMatchObject({ seq: 30, kind: 'on_demand', key_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const again = await checkpointCall({ id: 'msg_checkpoint_1' });
    expect(again.headers.get('idempotency-replayed')).toBe('true');
    const events = await t.audit();
    expect(events.filter((e) => e.action === 'audit.checkpoint')).toEqual([expect.objectContaining({ client_id: 'auditor', detail: expect.objectContaining({ seq: 30 }) })]);
    const list = (await (await auditorGet(t, '/v1/audit/checkpoints')).json()) as { public_key: { key_id: string }; checkpoints: { seq: number }[] };
    expect(list.public_key.key_id).toBe(body.key_id);
    expect(list.checkpoints.map((c) => c.seq)).toEqual([30]);
  });

  it('refuses a client without audit:read (403) and answers 503 when no signing key is configured', async () => {
    await readProblem(await checkpointCall({ clientId: 'soar' }), { status: 403, code: 'scope_denied', detail: /audit:read/ });
    const bare = await createTestApp();
    try {
      await appendEvents(bare.store, 1);
      await readProblem(await sendSigned(bare, '/v1/audit/checkpoints', { clientId: 'auditor', body: '{"type":"audit.checkpoint"}' }), {
        status: 503,
        code: 'unavailable',
        detail: /no audit.signingKey is configured/,
      });
    } finally {
      bare.dispose();
    }
  });
});

describe('GET /v1/audit/verify', () => {
  let served: Served;
  beforeAll(async () => {
    served = await startServed();
    await checkpointHead(served.t.store, served.signer, served.t.clock.now(), 'periodic');
  });
  afterAll(() => served.close());

  it('reports ok with the checkpoints matched and signatures verified', async () => {
    const body = await (await auditorGet(served.t, '/v1/audit/verify')).json();
    expect(body).toEqual({ ok: true, checked: 30, first_seq: 1, last_seq: 30, checkpoints_matched: 1, signatures: 'verified', fault: null });
  });
});

describe('portcullis audit', () => {
  let served: Served;
  let t: TestApp;
  let file: string;
  let lines: string[];
  const env = () => ({ PORTCULLIS_TOKEN: TOKENS.auditor, PORTCULLIS_URL: served.url });
  beforeAll(async () => {
    // 30 events and one signed checkpoint at seq 30, made here so this group runs alone.
    served = await startServed();
    t = served.t;
    await checkpointHead(t.store, served.signer, t.clock.now(), 'periodic');
    file = join(t.dir, 'export.ndjson');
    const res = await runCapture(['audit', 'export', '--out', file], env());
    expect(res).toMatchObject({ code: 0, out: expect.stringContaining('next cursor: a1.') });
    lines = readFileSync(file, 'utf8').trim().split('\n');
  });
  afterAll(() => served.close());
  const verifyFile = async (content: string[], key = join(t.dir, 'audit.pub.pem')) => {
    const tampered = join(t.dir, `tampered-${crypto.randomUUID()}.ndjson`);
    writeFileSync(tampered, `${content.join('\n')}\n`);
    writeFileSync(`${tampered}.checkpoints.json`, readFileSync(`${file}.checkpoints.json`));
    return runCapture(['audit', 'verify', '--file', tampered, '--public-key', key]);
  };

  it('export writes every event and the checkpoints; verify offline with the public key says ok', async () => {
    expect(lines).toHaveLength(30);
    expect(lines.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await runCapture(['audit', 'verify', '--file', file, '--public-key', join(t.dir, 'audit.pub.pem')])).toMatchObject({
      code: 0,
      out: 'ok: 30 events (seq 1..30), 1 signed checkpoints matched, signatures verified',
    });
  });

  it('offline verify names the seq of a modified, deleted, inserted or reordered line', async () => {
    const modified = [...lines];
    modified[4] = (modified[4] as string).replace('"i":4', '"i":400');
    expect(await verifyFile(modified)).toMatchObject({ code: 1, out: expect.stringContaining('FAILED at seq 5 (hash_mismatch)') });
    expect(await verifyFile(lines.filter((_, i) => i !== 6))).toMatchObject({ code: 1, out: expect.stringContaining('FAILED at seq 7 (missing)') });
    const inserted = [...lines.slice(0, 10), lines[9] as string, ...lines.slice(10)];
    expect(await verifyFile(inserted)).toMatchObject({ code: 1, out: expect.stringContaining('FAILED at seq 10 (out_of_order)') });
    const swapped = [...lines];
    [swapped[11], swapped[12]] = [swapped[12] as string, swapped[11] as string];
    expect(await verifyFile(swapped)).toMatchObject({ code: 1, out: expect.stringContaining('FAILED at seq 12 (missing)') });
    expect(await verifyFile(lines.slice(0, 20))).toMatchObject({ code: 1, out: expect.stringContaining('FAILED at seq 21 (missing)') });
  });

  it('offline, an export without checkpoints fails with a key, and without a key says what it cannot detect (issue 9 item 16)', async () => {
    const bare = join(t.dir, `bare-${crypto.randomUUID()}.ndjson`);
    writeFileSync(bare, `${lines.join('\n')}\n`);
    writeFileSync(`${bare}.checkpoints.json`, JSON.stringify({ public_key: null, checkpoints: [] }));
    expect(await runCapture(['audit', 'verify', '--file', bare, '--public-key', join(t.dir, 'audit.pub.pem')])).toMatchObject({
      code: 1,
      out: expect.stringContaining('FAILED at seq 1 (checkpoint_missing): no signed checkpoint covers any of seq 1 to 30'),
    });
    expect(await runCapture(['audit', 'verify', '--file', bare])).toMatchObject({
      code: 0,
      out: expect.stringContaining('signatures NOT checked (no public key): only accidental damage is detected; a re-hashed, cut or extended log passes'),
    });
  });

  it('offline, a re-hashed export names the range the checkpoint allows', async () => {
    const rehashed = [...lines];
    let prev = (JSON.parse(lines[3] as string) as { hash: string }).hash;
    for (let i = 4; i < rehashed.length; i++) {
      const { prev_hash: _p, hash: _h, ...body } = JSON.parse(rehashed[i] as string) as Record<string, unknown>;
      if (i === 4) body.detail = { forged: true };
      const hash = await chainHash(prev, hashedBody(body));
      rehashed[i] = JSON.stringify({ ...body, prev_hash: prev, hash });
      prev = hash;
    }
    expect(await verifyFile(rehashed)).toMatchObject({
      code: 1,
      out: expect.stringMatching(/FAILED at seq 30 \(checkpoint_mismatch\)[^\n]*\nthe change is in seq 1\.\.30/),
    });
  });

  it('offline verify refuses checkpoints signed by another key', async () => {
    const other = join(t.dir, 'other.pub.pem');
    writeFileSync(other, ed25519Pems().publicPem);
    expect(await verifyFile(lines, other)).toMatchObject({ code: 1, out: expect.stringContaining('(bad_signature)') });
  });

  it('verify --url asks the server; tail --once prints CEF lines and the cursor', async () => {
    expect(await runCapture(['audit', 'verify'], env())).toMatchObject({
      code: 0,
      out: 'ok: 30 events (seq 1..30), 1 signed checkpoints matched, signatures verified',
    });
    const tail = await runCapture(['audit', 'tail', '--once', '--format', 'cef', '--client', 'tines'], env());
    expect(tail.code).toBe(0);
    const cef = tail.out.split('\n');
    // sampleEvent(i) is from tines when i % 3 === 1: 10 of the 30.
    expect(cef).toHaveLength(10);
    expect(cef.every((l) => l.startsWith('CEF:0|portcullis|') && l.includes('suser=tines'))).toBe(true);
    expect(tail.err).toMatch(/^cursor: a1\./);
  });

  it('a missing token is a usage error naming the variable', async () => {
    expect(await runCapture(['audit', 'tail', '--once', '--url', served.url], {})).toMatchObject({ code: 2, err: expect.stringContaining('set PORTCULLIS_TOKEN') });
  });
});

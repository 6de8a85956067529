/**
 * Issue 17 item 1: the OpenAPI document a real `portcullis serve` publishes lints clean with Redocly's
 * recommended rules (run offline from node_modules), and every operation carries what client
 * generators (XSOAR, Shuffle) need: an operationId, a server, the shared problem+json schema on every
 * 4xx/5xx, a response schema and examples.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type ServerProcess, cleanUp, startServer, tempDir } from '../support/process.ts';
import { problemSchema } from '../../src/http/routes/openapi-meta.ts';
import { RUN_EXAMPLE, runSchema } from '../../src/http/routes/run-view.ts';
import { sandboxConfig } from '../process/sandbox-config.ts';

const run = promisify(execFile);

interface Media {
  schema?: { $ref?: string; type?: string };
  example?: unknown;
  examples?: Record<string, unknown>;
}
interface Operation {
  operationId?: string;
  security?: unknown[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
}
interface Document {
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

let server: ServerProcess;
let doc: Document;
let text: string;
beforeAll(async () => {
  const dir = tempDir();
  server = await startServer({ dir, config: (port) => sandboxConfig(join(dir, 'data'), port) });
  const res = await fetch(`${server.url}/openapi.json`);
  expect(res.status).toBe(200);
  text = await res.text();
  doc = JSON.parse(text) as Document;
});
afterAll(cleanUp);

const operations = (): [string, Operation][] =>
  Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([m, op]) => [`${m.toUpperCase()} ${path}`, op] as [string, Operation]));

describe('the published OpenAPI document', () => {
  it('lints with 0 errors and 0 warnings under @redocly/cli recommended rules', async () => {
    const dir = tempDir('portcullis-redocly-');
    writeFileSync(join(dir, 'openapi.json'), text);
    copyFileSync(join(REPO_ROOT, 'redocly.yaml'), join(dir, 'redocly.yaml'));
    copyFileSync(join(REPO_ROOT, '.redocly.lint-ignore.yaml'), join(dir, '.redocly.lint-ignore.yaml'));
    const bin = join(REPO_ROOT, 'node_modules/.bin/redocly');
    // No telemetry, no update check: the lint runs offline.
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', CI: 'true' };
    const { stdout } = await run(bin, ['lint', 'openapi.json', '--config', 'redocly.yaml', '--format=json'], { cwd: dir, env, timeout: 60_000 }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
    );
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number; ignored: number }; problems: unknown[] };
    expect(report.problems, JSON.stringify(report.problems, null, 2).slice(0, 4000)).toEqual([]);
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 2 });
  }, 90_000);

  it('names the server it was fetched from and gives every operation a unique operationId', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: server.url })]);
    const ids = operations().map(([, op]) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['createRun', 'getRun', 'listRuns', 'listBlocks', 'approveRun', 'rejectRun', 'listAuditEvents', 'whoami']));
  });

  it('answers every 4xx and 5xx with the one shared problem+json schema, with an example', () => {
    expect(doc.components.schemas.Problem).toMatchObject({ type: 'object', required: expect.arrayContaining(['type', 'title', 'status', 'code', 'detail']) });
    for (const [name, op] of operations()) {
      const errors = Object.entries(op.responses).filter(([status]) => Number(status) >= 400);
      expect(errors.length, name).toBeGreaterThan(0);
      for (const [status, response] of errors) {
        expect(Object.keys(response.content ?? {}), `${name} ${status}`).toEqual(['application/problem+json']);
        expect(response.content?.['application/problem+json']?.schema?.$ref, `${name} ${status}`).toBe('#/components/schemas/Problem');
        expect(response.content?.['application/problem+json']?.example, `${name} ${status}`).toMatchObject({ status: Number(status) });
      }
    }
  });

  it('documents 401 and 403 on every authenticated operation, and 413/415/422 on every signed mutation', () => {
    for (const [name, op] of operations()) {
      if (!op.security?.length) continue;
      expect(Object.keys(op.responses), name).toEqual(expect.arrayContaining(['401', '403']));
      if (name.startsWith('POST ')) expect(Object.keys(op.responses), name).toEqual(expect.arrayContaining(['409', '413', '415', '422']));
    }
    expect(doc.paths['/healthz']?.get?.security).toEqual([]);
    expect(doc.paths['/readyz']?.get?.security).toEqual([]);
  });

  it('has a response schema and an example on every 2xx, and an example on every request body', () => {
    for (const [name, op] of operations()) {
      const ok = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
      expect(ok.length, name).toBeGreaterThan(0);
      for (const [status, response] of ok) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          expect(media.schema, `${name} ${status} ${type}`).toBeDefined();
          expect(media.example ?? media.examples, `${name} ${status} ${type} example`).toBeDefined();
        }
        expect(Object.keys(response.content ?? {}).length, `${name} ${status}`).toBeGreaterThan(0);
      }
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
        expect(media.example ?? media.examples, `${name} request ${type}`).toBeDefined();
      }
    }
  });

  it('has examples the schemas accept (run and problem examples parse with the zod schemas the routes use)', () => {
    expect(runSchema.safeParse(RUN_EXAMPLE).success).toBe(true);
    for (const [name, op] of operations()) {
      for (const [status, response] of Object.entries(op.responses).filter(([s]) => Number(s) >= 400)) {
        const parsed = problemSchema.safeParse(response.content?.['application/problem+json']?.example);
        expect(parsed.success, `${name} ${status}`).toBe(true);
      }
    }
  });
});

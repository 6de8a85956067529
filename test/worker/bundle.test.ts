/**
 * The deploy build stays within the free plan's 3 MiB (gzip) with every connector SDK and Cedar's Wasm
 * (`wrangler deploy --dry-run`, as CI builds it), and the Wasm the Worker instantiates with cedar-wasm's
 * web glue is the binary that glue was generated for (src/policy/cedar-workers.ts).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, wrangler } from './harness.ts';

interface WasmApi {
  Module: { new (bytes: Uint8Array): object; imports(module: object): { module: string; name: string }[] };
}

/** Cloudflare's limit for a Worker on the free plan, after compression. */
const FREE_PLAN_GZIP_BYTES = 3 * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'portcullis-bundle-'));
let printed = '';

beforeAll(async () => {
  printed = await wrangler(['deploy', '--dry-run', '--outdir', dir]);
}, 240_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('worker bundle', () => {
  it('is under 3 MiB gzip, as wrangler reports it and as measured here', () => {
    const reported = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(printed);
    expect(reported, printed).not.toBeNull();
    const gzipKiB = Number(reported?.[2]);
    expect(gzipKiB * 1024).toBeLessThan(FREE_PLAN_GZIP_BYTES);
    const modules = readdirSync(dir).filter((f) => f.endsWith('.js') || f.endsWith('.wasm'));
    expect(modules.some((f) => f.endsWith('cedar_wasm_bg.wasm'))).toBe(true);
    const measured = modules.reduce((n, f) => n + gzipSync(readFileSync(join(dir, f))).length, 0);
    expect(measured).toBeLessThan(FREE_PLAN_GZIP_BYTES);
    console.log(`worker bundle: ${reported?.[1]} KiB, gzip ${gzipKiB} KiB (wrangler); ${(measured / 1024).toFixed(0)} KiB gzip measured over ${modules.join(', ')}`);
  });

  it('bundles the playbooks folder (YAML and Cedar) at build time', () => {
    expect(printed).toMatch(/bin\/worker-files\.mjs: bundled \d+ playbook and policy files/);
    const generated = readFileSync(join(ROOT, '.wrangler/generated/worker-files.js'), 'utf8');
    for (const name of readdirSync(join(ROOT, 'playbooks')).filter((f) => f.endsWith('.yaml'))) expect(generated).toContain(`"playbooks/${name}"`);
    for (const name of readdirSync(join(ROOT, 'playbooks/policies'))) expect(generated).toContain(`"playbooks/policies/${name}"`);
  });

  it("instantiates the Node build's Wasm with the web glue: the same imports", () => {
    const pkg = join(ROOT, 'node_modules/@cedar-policy/cedar-wasm');
    // The lib settings here carry no WebAssembly values; Node has them.
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const module = new wasm.Module(readFileSync(join(pkg, 'nodejs/cedar_wasm_bg.wasm')));
    const wanted = wasm.Module.imports(module).map((i) => i.name);
    expect(wanted.length).toBeGreaterThan(0);
    const glue = readFileSync(join(pkg, 'web/cedar_wasm.js'), 'utf8');
    const offered = [...new Set(glue.match(/__wbg_[\w]+_[0-9a-f]{16}|__wbindgen_[\w]+/g) ?? [])];
    for (const name of wanted) expect(offered, name).toContain(name);
  });
});

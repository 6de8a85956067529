import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudflareSimulator } from './simulator/index.ts';
import { defaultSeed } from './simulator/seed.ts';

/**
 * The connector on Workers: bundled for the browser/worker platform (no Node built-ins resolvable) and
 * run in workerd **without** nodejs_compat, its outbound fetch answered by the simulator here.
 */
const TOKEN = 'cf-worker-token-9d1e';
const sim = createCloudflareSimulator({ seedState: { ...defaultSeed(), tokens: [TOKEN] } });
const seenAuth = new Set<string>();
let mf: Miniflare;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: ['connectors/cloudflare/workerd/entry.ts'],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['worker', 'browser'],
  });
  mf = new Miniflare({
    modules: true,
    script: bundle.outputFiles[0]?.text ?? '',
    compatibilityDate: '2025-09-01',
    bindings: { CF_TOKEN: TOKEN },
    outboundService: async (request: Request) => {
      seenAuth.add(request.headers.get('authorization') ?? '');
      return sim.fetch(request);
    },
  });
  await mf.ready;
}, 60_000);
afterAll(async () => {
  await mf?.dispose();
});

describe('the Cloudflare connector in workerd', () => {
  it('checks, blocks, lists and unblocks through fetch with no Node APIs', async () => {
    const response = await mf.dispatchFetch('http://worker/run');
    const body = await response.json();
    expect(body).toEqual({ check: true, created: [true], listed: ['203.0.113.7/32', '2001:db8:7::/64'], shrunk: [true], after: ['203.0.113.7/32'] });
    expect(sim.controls.listItems('portcullis_blocks')).toEqual(['203.0.113.7']);
    expect(seenAuth).toEqual(new Set([`Bearer ${TOKEN}`]));
  }, 30_000);
});

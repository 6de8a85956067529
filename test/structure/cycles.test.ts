/**
 * The import graph of src/ and connectors/ (issue 10), type-only and dynamic imports included:
 * - no cycles, so every part can be read, tested and replaced from the leaves up. Break one with a leaf
 *   module for the shared types (src/platform.ts, src/http/route.ts, src/connectors/rule.ts), not with a
 *   lazy import;
 * - the inner parts (run use case, policy, reconciler, store, audit...) never import the HTTP edge
 *   (src/http/): they throw typed errors (src/refusal.ts) that the edge maps to problem+json.
 * The graph is dpdm's: it parses with the TypeScript compiler and resolves `.ts` specifiers. A failure
 * names the files.
 */
import { resolve } from 'node:path';
import { type DependencyTree, parseCircular, parseDependencyTree } from 'dpdm';
import { beforeAll, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
/** Parts behind the edge: src/http/, src/console/, src/metrics/route.ts, src/cli/ and the entry points may import src/http/. */
const INNER = ['analysis', 'apprepo', 'audit', 'config', 'connectors', 'crypto', 'flowlogs', 'net', 'notify', 'playbooks', 'policy', 'reconcile', 'runs', 'siem', 'store'];

let tree: DependencyTree;
beforeAll(async () => {
  tree = await parseDependencyTree(['src/**/*.ts', 'connectors/**/*.ts'], {
    context: root,
    cwd: root,
    tsconfig: resolve(root, 'tsconfig.json'),
    transform: false,
    skipDynamicImports: false,
  });
  // The graph is the real one: every module is in it and relative `.ts` imports resolve.
  expect(Object.keys(tree).length).toBeGreaterThan(400);
  expect(Object.keys(tree)).toContain('connectors/index.ts');
  expect(tree['src/app.ts']?.map((d) => d.id)).toContain('src/http/route.ts');
}, 120_000);

it('src/ and connectors/ have no import cycle', () => {
  const cycles = parseCircular(tree).map((cycle) => [...cycle, cycle[0]].join(' -> '));
  expect(cycles).toEqual([]);
});

it('no inner module imports the HTTP edge (src/http/)', () => {
  const inner = (file: string) => INNER.some((part) => file.startsWith(`src/${part}/`)) || file.startsWith('connectors/');
  const imports = Object.entries(tree).flatMap(([file, deps]) =>
    inner(file) ? (deps ?? []).filter((d) => d.id?.startsWith('src/http/')).map((d) => `${file} -> ${d.id}`) : [],
  );
  expect(imports).toEqual([]);
});

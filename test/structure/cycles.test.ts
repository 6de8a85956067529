/**
 * The import graph of src/ and connectors/ (issue 10), type-only and dynamic imports included:
 * - no cycles, so every part can be read, tested and replaced from the leaves up. Break one with a leaf
 *   module for the shared types (src/platform.ts, src/http/route.ts, src/connectors/rule.ts), not with a
 *   lazy import;
 * The graph is dpdm's: it parses with the TypeScript compiler and resolves `.ts` specifiers. A failure
 * names the files.
 */
import { resolve } from 'node:path';
import { type DependencyTree, parseCircular, parseDependencyTree } from 'dpdm';
import { beforeAll, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

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

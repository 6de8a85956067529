import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The connector must run on Workers as well as Node: walk every module the factory loads (its relative
 * imports, transitively) and check none uses a Node-only API. Packages it reaches are listed so a new
 * one is a visible decision.
 */
function importGraph(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = [];
  const packages = new Set<string>();
  const queue = [resolve(entry)];
  while (queue.length) {
    const file = queue.shift() as string;
    if (files.includes(file)) continue;
    files.push(file);
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
      if (!spec) continue;
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      else packages.add(spec);
    }
  }
  return { files, packages };
}

describe('runtime-free connector', () => {
  it('imports no Node built-in and no Node-only global, only zod and p-retry', () => {
    const { files, packages } = importGraph('connectors/cloudflare/index.ts');
    expect(files.length).toBeGreaterThan(10);
    expect([...packages].filter((p) => p.startsWith('node:'))).toEqual([]);
    expect([...packages].sort()).toEqual(['p-retry', 'zod']);
    for (const file of files) {
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(code, file).not.toMatch(/\b(process\.|Buffer\b|require\(|__dirname|setImmediate)/);
    }
  });
});

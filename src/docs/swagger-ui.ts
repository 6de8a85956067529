/**
 * Node: the Swagger UI files for /docs, read from the swagger-ui-dist package (installed with the
 * service, so the reference page works offline). Each file is read once and kept in memory.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Services } from '../services.ts';

export function swaggerUiAssets(): NonNullable<Services['apiReference']> {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const cache = new Map<string, Promise<string | undefined>>();
  return {
    read(file) {
      // Callers pass names from a fixed list; the check keeps this safe on its own too.
      if (!/^[a-z-]+\.(css|js)$/.test(file)) return Promise.resolve(undefined);
      let hit = cache.get(file);
      if (!hit) {
        hit = readFile(join(dir, file), 'utf8').catch(() => undefined);
        cache.set(file, hit);
      }
      return hit;
    },
  };
}

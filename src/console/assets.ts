/**
 * The built console (`console/dist`, made by `vite build` in `npm ci`'s prepare step), read into memory
 * once: a handful of hashed files, served with long caching; index.html is never cached.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

export interface Asset {
  body: Uint8Array;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

export const CONSOLE_DIST = new URL('../../console/dist/', import.meta.url);

/** Relative path (e.g. `index.html`, `assets/index-abc123.js`) → file; empty when the console was not built. */
export function loadAssets(dir: string = CONSOLE_DIST.pathname): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir)) return assets;
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else assets.set(relative(dir, full).split(sep).join('/'), { body: readFileSync(full), type: TYPES[extname(entry.name)] ?? 'application/octet-stream' });
    }
  };
  walk(dir);
  return assets;
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll } from 'vitest';
import type { NormalizedRule } from '../../src/connectors/types.ts';

/** A temp dir removed after the file's tests; `file` writes text (gzipped when the name ends in .gz). */
export function tempFiles() {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-flowlogs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return (name: string, body: string) => {
    const path = join(dir, name);
    writeFileSync(path, name.endsWith('.gz') ? gzipSync(body) : body);
    return path;
  };
}

export const rule = (over: Partial<NormalizedRule>): NormalizedRule => ({
  direction: 'ingress',
  action: 'allow',
  protocol: 'tcp',
  ports: [{ from: 443, to: 443 }],
  cidrs: ['0.0.0.0/0'],
  priority: 0,
  placement: 'sg',
  owned: false,
  ...over,
});

export const DAY = 86_400;
